package io.ferry.postgres;

import io.ferry.core.Secret;
import io.ferry.core.config.SourceConfig;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A real PostgreSQL server for tests (zonky embedded binaries) with logical replication enabled, a database
 * {@value #DATABASE} and a login role {@value #USER} (REPLICATION, password {@value #PASSWORD}, required over
 * TCP). {@link #shared()} gives one instance per JVM; {@link #start} gives a private one (for example with
 * {@code wal_level=replica}) that the caller closes.
 */
public final class PostgresTestServer implements AutoCloseable {

    public static final String DATABASE = "ferry";
    public static final String USER = "ferry";
    public static final String PASSWORD = "ferry-secret";
    public static final String HOST = "127.0.0.1";

    private static PostgresTestServer shared;

    private final EmbeddedPostgres pg;

    private PostgresTestServer(EmbeddedPostgres pg) {
        this.pg = pg;
    }

    /** The JVM-wide server with {@code wal_level=logical}; stopped when the JVM exits. */
    public static synchronized PostgresTestServer shared() {
        if (shared == null) {
            shared = start(Map.of());
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
        }
        return shared;
    }

    /** A new server with logical replication settings, overridden by {@code serverConfig}. */
    public static PostgresTestServer start(Map<String, String> serverConfig) {
        try {
            EmbeddedPostgres.Builder b = EmbeddedPostgres.builder()
                    .setPort(freePort())
                    .setServerConfig("wal_level", "logical")
                    // zonky turns it off; logical decoding then sees a commit only when its WAL is flushed anyway, ~100 ms later.
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("max_wal_senders", "20")
                    .setServerConfig("max_replication_slots", "20")
                    .setServerConfig("password_encryption", "scram-sha-256");
            serverConfig.forEach(b::setServerConfig);
            PostgresTestServer server = new PostgresTestServer(b.start());
            server.init();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void init() {
        try (Connection c = admin("postgres"); Statement st = c.createStatement()) {
            st.execute("CREATE ROLE " + USER + " LOGIN REPLICATION PASSWORD '" + PASSWORD + "'");
            st.execute("CREATE DATABASE " + DATABASE + " OWNER " + USER);
            requirePassword(st, USER);
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("cannot set up the test server", e);
        }
    }

    /** Makes TCP logins of {@code role} require a password (zonky's default is trust for everyone). */
    public void requirePassword(String role) {
        try (Connection c = admin("postgres"); Statement st = c.createStatement()) {
            requirePassword(st, role);
        } catch (SQLException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void requirePassword(Statement st, String role) throws SQLException, IOException {
        Path hba;
        try (ResultSet rs = st.executeQuery("SHOW hba_file")) {
            rs.next();
            hba = Path.of(rs.getString(1));
        }
        String quoted = '"' + role.replace("\"", "\"\"") + '"';
        String lines = "host all " + quoted + " 127.0.0.1/32 scram-sha-256\n"
                + "host all " + quoted + " ::1/128 scram-sha-256\n";
        Files.writeString(hba, lines + Files.readString(hba));
        st.execute("SELECT pg_reload_conf()");
    }

    public String host() {
        return HOST;
    }

    public int port() {
        return pg.getPort();
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + HOST + ":" + port() + "/" + database;
    }

    /** A connection to {@value #DATABASE} as {@value #USER}, who owns the tables tests create. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(DATABASE), USER, PASSWORD);
    }

    /** A superuser ({@code postgres}, trust) connection to the given database. */
    public Connection admin(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), "postgres", "");
    }

    /** A DataSource for {@value #DATABASE} as {@value #USER}. */
    public DataSource dataSource() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setServerNames(new String[] {HOST});
        ds.setPortNumbers(new int[] {port()});
        ds.setDatabaseName(DATABASE);
        ds.setUser(USER);
        ds.setPassword(PASSWORD);
        return ds;
    }

    /** Runs statements as {@value #USER} in {@value #DATABASE}, each in its own transaction. */
    public void execute(String... sql) {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** A source configuration for {@value #DATABASE} as {@value #USER}. */
    public SourceConfig sourceConfig(List<String> tables, SourceConfig.SnapshotMode snapshot) {
        return new SourceConfig("postgres", HOST, port(), DATABASE, USER, new Secret(PASSWORD), tables, snapshot);
    }

    /** Drops a replication slot and the publication of the same name if they exist (slot must be inactive). */
    public void dropSlot(String slot) {
        try (Connection c = admin(DATABASE); Statement st = c.createStatement()) {
            st.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                    + " WHERE slot_name = '" + slot + "' AND NOT active");
            st.execute("DROP PUBLICATION IF EXISTS \"" + slot + "\"");
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** The slot's {@code confirmed_flush_lsn} as a number, or -1 if the slot is missing. */
    public long confirmedFlushLsn(String slot) {
        try (Connection c = admin(DATABASE); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT confirmed_flush_lsn - '0/0'::pg_lsn FROM pg_replication_slots"
                     + " WHERE slot_name = '" + slot + "'")) {
            return rs.next() ? rs.getLong(1) : -1;
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** A TCP port nobody listens on right now. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            pg.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
