package io.ferry.sink.jdbc;

import io.ferry.core.FerryException;
import io.ferry.core.TableId;
import io.ferry.core.config.SinkConfig;
import io.ferry.core.connector.TargetState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Ferry's own tables in a JDBC target, outside of applying: the check before a pipeline starts that the login may
 * create them and write rows, and the removal of one pipeline's rows in them ({@code ferry drop}, {@code ferry
 * reset}). One connection, closed by {@link #close()}; not thread-safe.
 */
public final class TargetBookkeeping implements AutoCloseable {

    private static final String PROBE_TOPIC = "ferry-preflight";

    private final SinkConfig config;
    private final JdbcDialect dialect;
    private final TargetConnection connection;
    private final String namespace;
    private final AppliedOffsets offsets;
    private final SchemaVersions versions;

    public TargetBookkeeping(SinkConfig config, JdbcDialect dialect) {
        if (config.database() == null || config.user() == null) {
            throw new FerryException("sink.database and sink.user are required for a " + config.type() + " sink");
        }
        this.config = config;
        this.dialect = dialect;
        this.connection = new TargetConnection(config, dialect, false);
        this.namespace = dialect.namespace(config);
        this.offsets = new AppliedOffsets(dialect, namespace);
        this.versions = new SchemaVersions(dialect, namespace);
    }

    /**
     * Connects, creates the namespace and Ferry's tables where missing, and checks in a transaction that is rolled
     * back that the login may insert, update and delete their rows. Throws a one-line {@link FerryException}.
     */
    public void preflight() {
        Connection c = connection.get();
        try (Statement st = c.createStatement()) {
            for (String sql : dialect.createNamespace(namespace)) {
                st.execute(sql);
            }
            offsets.create(st);
            versions.create(st);
            c.commit();
        } catch (SQLException e) {
            throw refused(e, "create Ferry's tables " + offsets.display() + " and " + namespace + ".ferry_schemas");
        }
        try {
            offsets.probe(c, PROBE_TOPIC);
            c.rollback();
        } catch (SQLException e) {
            throw refused(e, "write " + offsets.display() + " (it needs SELECT, INSERT, UPDATE and DELETE on it)");
        }
    }

    private FerryException refused(SQLException e, String doing) {
        connection.rollbackQuietly();
        if (connection.isTransient(e)) {
            return connection.retriable("checking that the login may " + doing, e);
        }
        return new FerryException(dialect.product() + " target " + connection.target() + ": login "
                + connection.login() + " may not " + doing + ": " + firstLine(e), e, false);
    }

    /** What {@code owned} holds in this target, one line each; removed (in one transaction) when {@code remove}. */
    public List<String> drop(TargetState owned, boolean remove) {
        Connection c = connection.get();
        List<String> lines = new ArrayList<>();
        try {
            if (dialect.readTable(c, namespace, "ferry_offsets") != null) {
                List<String> topics = offsets.topicsStartingWith(c, owned.topicNamePrefix());
                if (!topics.isEmpty()) {
                    lines.add(topics.size() + " row(s) of " + offsets.display() + " (" + String.join(", ", topics) + ")");
                    if (remove) {
                        offsets.delete(c, topics);
                    }
                }
            }
            if (dialect.readTable(c, namespace, "ferry_schemas") != null) {
                List<String> names = new ArrayList<>();
                for (TableId t : owned.tables()) {
                    if (versions.read(c, t.table()) >= 0) {
                        names.add(t.table());
                    }
                }
                if (!names.isEmpty()) {
                    lines.add(names.size() + " row(s) of " + namespace + ".ferry_schemas (" + String.join(", ", names)
                            + ")");
                    if (remove) {
                        versions.delete(c, names);
                    }
                }
            }
            if (owned.emptyTables()) {
                for (TableId t : owned.tables()) {
                    TargetTable table = dialect.readTable(c, namespace, t.table());
                    if (table != null) {
                        lines.add(String.format(Locale.ROOT, "the %,d row(s) of table %s", count(c, table),
                                table.display()));
                        if (remove) {
                            dialect.truncate(c, table);
                        }
                    }
                }
            }
            if (remove) {
                c.commit();
            } else {
                c.rollback();
            }
            return lines;
        } catch (SQLException e) {
            connection.rollbackQuietly();
            if (connection.isTransient(e)) {
                throw connection.retriable("removing the pipeline's rows", e);
            }
            throw new FerryException(dialect.product() + " target " + connection.target() + ": cannot remove the"
                    + " pipeline's rows as " + connection.login() + ": " + firstLine(e), e, false);
        }
    }

    private static long count(Connection c, TargetTable table) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM "
                + table.qualified())) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String firstLine(SQLException e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    @Override
    public void close() {
        connection.close();
    }
}
