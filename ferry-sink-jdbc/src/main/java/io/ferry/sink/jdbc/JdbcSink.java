package io.ferry.sink.jdbc;

import io.ferry.core.ChangeEvent;
import io.ferry.core.FerryException;
import io.ferry.core.Operation;
import io.ferry.core.Sink;
import io.ferry.core.TableSchema;
import io.ferry.core.apply.BatchPlan;
import io.ferry.core.config.SinkConfig;
import io.ferry.core.schema.SchemaHistory;
import java.sql.Connection;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Applies changes to a JDBC database through its {@link JdbcDialect}: tables {@code <namespace>.<source table>},
 * created and changed from the published table schemas by the sink's schema-change policy, and the Kafka offsets
 * of every applied batch in {@code <namespace>.ferry_offsets}, moved with a check-and-set in the batch's
 * transaction. A table without a primary key is written event by event, each row matched by all its values.
 *
 * <p>One connection, opened on first use and reopened after it is lost; a failed call leaves no rows written.
 * Not thread-safe: one instance per applier.
 */
public final class JdbcSink implements Sink {

    private final JdbcDialect dialect;
    private final TargetConnection connection;
    private final String namespace;
    private final TargetCatalog catalog;
    private final AppliedOffsets offsets;
    private final SchemaVersions versions;
    private final CollisionBackoff backoff = new CollisionBackoff();
    private Connection prepared;

    public JdbcSink(SinkConfig config, JdbcDialect dialect) {
        Objects.requireNonNull(config, "config");
        this.dialect = Objects.requireNonNull(dialect, "dialect");
        if (config.database() == null || config.user() == null) {
            throw new FerryException("sink.database and sink.user are required for a " + config.type() + " sink");
        }
        this.namespace = dialect.namespace(config);
        this.connection = new TargetConnection(config, dialect);
        this.offsets = new AppliedOffsets(dialect, namespace);
        this.versions = new SchemaVersions(dialect, namespace);
        this.catalog = new TargetCatalog(dialect, namespace, config.createTables(), config.schemaChanges(), versions);
    }

    @Override
    public void ensureTable(TableSchema table, SchemaHistory history) {
        if (catalog.cached(table) != null) {
            return;
        }
        Connection c = ready();
        try {
            catalog.ensure(c, table, history);
            c.commit();
        } catch (SQLException e) {
            catalog.forget();
            connection.rollbackQuietly();
            if (connection.isTransient(e)) {
                throw connection.retriable("creating table " + catalog.display(table.table()), e);
            }
            throw new FerryException("cannot create or alter target table " + catalog.display(table.table()) + " on "
                    + connection.target() + ": " + e.getMessage(), e, false);
        } catch (RuntimeException e) {
            catalog.forget();
            connection.rollbackQuietly();
            throw e;
        } finally {
            unlockAfterDdl(c, table);
        }
    }

    /** Lets the next applier of another partition (or process) see this one's DDL and skip its own. */
    private void unlockAfterDdl(Connection c, TableSchema table) {
        try {
            dialect.unlockAfterDdl(c, dialect.qualified(namespace, table.table().table()));
        } catch (SQLException e) {
            // The session's lock ends with the session: a connection this broken is reopened on next use anyway.
            connection.rollbackQuietly();
        }
    }

    @Override
    public Map<Integer, Long> storedOffsets(String topic) {
        Connection c = ready();
        try {
            Map<Integer, Long> stored = offsets.read(c, topic);
            c.commit();
            return stored;
        } catch (SQLException e) {
            connection.rollbackQuietly();
            if (connection.isTransient(e)) {
                throw connection.retriable("reading stored offsets of " + topic, e);
            }
            throw new FerryException("cannot read " + offsets.display() + " on " + connection.target() + ": "
                    + e.getMessage(), e, false);
        }
    }

    @Override
    public void apply(List<ChangeEvent> events, List<OffsetUpdate> updates) {
        if (events.isEmpty() && updates.isEmpty()) {
            return;
        }
        // Connected first: a new connection forgets the cached tables, which ensureTables then looks at again.
        Connection c = ready();
        // Tables are made ready before the batch's transaction begins: MySQL commits around every DDL statement.
        ensureTables(events);
        List<BatchPlan.Step> plan = BatchPlan.of(events);
        try {
            offsets.moveAll(c, updates, connection.target(), this::rollback);
            for (BatchPlan.Step step : plan) {
                execute(c, step, true);
            }
            c.commit();
            dialect.committed();
        } catch (SQLException e) {
            rollback();
            if (connection.isTransient(e)) {
                throw connection.retriable("applying " + events.size() + " events", e);
            }
            throw rejected(events, e);
        }
    }

    private void ensureTables(List<ChangeEvent> events) {
        Set<TableSchema> seen = new HashSet<>();
        TableSchema last = null;
        for (ChangeEvent e : events) {
            if (e.schema() != last && seen.add(e.schema())) {
                ensureTable(e.schema(), SchemaHistory.NONE);
            }
            last = e.schema();
        }
    }

    private void rollback() {
        connection.rollbackQuietly();
        dialect.reset();
    }

    /** Runs one step; {@code bulk} false writes with plain statements, while looking for a refused event. */
    private void execute(Connection c, BatchPlan.Step step, boolean bulk) throws SQLException {
        WriteShape shape = catalog.cached(step.schema());
        if (step instanceof BatchPlan.Truncate) {
            dialect.truncate(c, shape.table());
        } else if (step instanceof BatchPlan.InOrder inOrder) {
            applyInOrder(c, shape, inOrder.events());
        } else {
            BatchPlan.Rows rows = (BatchPlan.Rows) step;
            if (!rows.deletes().isEmpty()) {
                dialect.deleteByKey(c, shape.table(), shape.schema(), rows.deletes());
            }
            upsert(c, shape, rows.upserts(), bulk, bulk && rows.insertsOnly() && keyed(shape));
        }
    }

    /** Whether the target enforces the source's key, so that an insert of a key it holds fails instead of adding a row. */
    private static boolean keyed(WriteShape shape) {
        return !shape.schema().primaryKey().isEmpty() && shape.table().keyIs(shape.schema().primaryKey());
    }

    private void upsert(Connection c, WriteShape shape, List<Object[]> upserts, boolean bulk, boolean newRows)
            throws SQLException {
        int width = shape.schema().columns().size();
        Map<BitSet, List<Object[]>> byPresentColumns = new LinkedHashMap<>();
        for (Object[] source : upserts) {
            Object[] row = shape.project(source);
            BitSet present = new BitSet(width);
            for (int i = 0; i < width; i++) {
                if (row[i] != ChangeEvent.UNCHANGED) {
                    present.set(i);
                }
            }
            byPresentColumns.computeIfAbsent(present, k -> new ArrayList<>()).add(row);
        }
        for (Map.Entry<BitSet, List<Object[]>> group : byPresentColumns.entrySet()) {
            int[] columns = group.getKey().stream().toArray();
            boolean tryInserts = newRows && group.getValue().size() >= dialect.insertNewFrom();
            if (!tryInserts || !insertNew(c, shape, columns, group.getValue())) {
                dialect.upsert(c, shape.table(), shape.schema(), columns, group.getValue(), bulk);
            }
        }
    }

    /**
     * Tries rows of a run of inserts and snapshot reads as plain inserts under a savepoint; true when they are all
     * in. When one of their keys is already in the table (a snapshot read again after a restart, a table copied
     * again on request, a row the stream wrote first) the try is rolled back to the savepoint, and false tells the
     * caller to upsert them: the result is the same as an upsert's either way.
     */
    private boolean insertNew(Connection c, WriteShape shape, int[] columns, List<Object[]> rows) throws SQLException {
        String table = shape.table().qualified();
        if (!backoff.tryInserts(table)) {
            return false;
        }
        Savepoint before = c.setSavepoint();
        try {
            dialect.insertNew(c, shape.table(), shape.schema(), columns, rows);
            c.releaseSavepoint(before);
            backoff.inserted(table);
            return true;
        } catch (SQLException e) {
            if (!dialect.isDuplicateKey(e)) {
                throw e;
            }
            c.rollback(before);
            backoff.collided(table);
            return false;
        }
    }

    /**
     * A table without a key: an insert (or snapshot read) inserts its row, a delete removes one row equal to
     * the before image, an update does both; consecutive inserts go out together.
     */
    private void applyInOrder(Connection c, WriteShape shape, List<ChangeEvent> events) throws SQLException {
        List<Object[]> inserts = new ArrayList<>();
        for (ChangeEvent e : events) {
            if (e.op() == Operation.UPDATE || e.op() == Operation.DELETE) {
                if (e.before() == null) {
                    throw new SQLDataException("the source sent no before image for a change of table "
                            + e.table() + ", which has no primary key: set REPLICA IDENTITY FULL (PostgreSQL) or"
                            + " binlog_row_image=FULL (MySQL), or name key columns in source.key-columns", "22000");
                }
                flush(c, shape, inserts);
                dialect.deleteOne(c, shape.table(), shape.schema(), shape.project(e.before()));
            }
            if (e.after() != null) {
                inserts.add(shape.project(filled(e.after(), e.before())));
            }
        }
        flush(c, shape, inserts);
    }

    private void flush(Connection c, WriteShape shape, List<Object[]> inserts) throws SQLException {
        if (!inserts.isEmpty()) {
            dialect.insert(c, shape.table(), shape.schema(), inserts);
            inserts.clear();
        }
    }

    /** {@code after} with each value the source did not send taken from {@code before}. */
    private static Object[] filled(Object[] after, Object[] before) {
        Object[] out = after;
        for (int i = 0; i < after.length; i++) {
            if (after[i] == ChangeEvent.UNCHANGED) {
                if (out == after) {
                    out = after.clone();
                }
                out[i] = before == null ? null : before[i];
            }
        }
        return out;
    }

    /**
     * Finds the event the target refuses by applying the batch again one event at a time, with constraints
     * checked per statement, in a transaction that is then rolled back. The first event that fails is the one:
     * every event before it was applied without error.
     */
    private FerryException rejected(List<ChangeEvent> events, SQLException batchFailure) {
        Connection c = ready();
        int index = 0;
        try {
            dialect.checkEachStatement(c);
            for (; index < events.size(); index++) {
                for (BatchPlan.Step step : BatchPlan.of(List.of(events.get(index)))) {
                    execute(c, step, false);
                }
            }
        } catch (SQLException e) {
            connection.rollbackQuietly();
            if (connection.isTransient(e)) {
                return connection.retriable("applying " + events.size() + " events", e);
            }
            if (index < events.size()) {
                return new RejectedChangeException(index, describe(index, events.get(index)) + ": " + e.getMessage(),
                        e);
            }
        } finally {
            rollback();
        }
        return new FerryException(dialect.product() + " target " + connection.target() + " refused a batch of "
                + events.size() + " events, though each event alone applies: " + batchFailure.getMessage(),
                batchFailure, false);
    }

    private String describe(int index, ChangeEvent e) {
        StringBuilder sb = new StringBuilder("target ").append(connection.target()).append(" refused event #")
                .append(index).append(" (op ").append(e.op().code()).append(") on table ")
                .append(catalog.display(e.table()));
        if (e.op() != Operation.TRUNCATE) {
            sb.append(", key ").append(KeyText.of(dialect, e.schema(), e.keyImage()));
        }
        return sb.toString();
    }

    /** The connection, with the namespace and Ferry's own tables created once per connection. */
    private Connection ready() {
        Connection c = connection.get();
        if (c != prepared) {
            // A new connection may find another database than the last one saw (dropped and created again while
            // the sink waited): tables are looked at again, never assumed.
            catalog.forget();
            dialect.reset();
            try (Statement st = c.createStatement()) {
                for (String sql : dialect.createNamespace(namespace)) {
                    st.execute(sql);
                }
                offsets.create(st);
                versions.create(st);
                c.commit();
            } catch (SQLException e) {
                connection.rollbackQuietly();
                if (connection.isTransient(e)) {
                    throw connection.retriable("creating " + offsets.display(), e);
                }
                throw new FerryException("cannot create " + offsets.display() + " on " + connection.target() + ": "
                        + e.getMessage(), e, false);
            }
            prepared = c;
        }
        return c;
    }

    @Override
    public void close() {
        connection.close();
        prepared = null;
    }
}
