package io.ferry.mysql.sink;

import io.ferry.core.FerryException;
import io.ferry.core.config.SinkConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.util.Properties;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one JDBC connection of a sink (MariaDB Connector/J, which speaks to MySQL too), opened on first use
 * and again after it is lost. Sessions run in UTC, utf8mb4 and strict SQL mode, so a value a column cannot
 * hold is an error, never truncated or zeroed. Errors name the target ({@code host:port}) or the login
 * ({@code user@database}), never the password.
 */
final class SinkConnection implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SinkConnection.class);
    private static final String SQL_MODE = "STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
            + "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,NO_AUTO_VALUE_ON_ZERO";
    /** Server errors that mean the session is gone: killed, shut down, gone away, lost. */
    private static final Set<Integer> SESSION_GONE = Set.of(1053, 1927, 2006, 2013, 4031);
    /** Deadlock and lock wait timeout: the transaction may succeed when run again. */
    private static final Set<Integer> RETRY_TRANSACTION = Set.of(1205, 1213);

    private final SinkConfig config;
    private final String url;
    private Connection connection;
    private String collation;

    SinkConnection(SinkConfig config) {
        this.config = config;
        String host = host();
        String hostPart = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        this.url = "jdbc:mariadb://" + hostPart + ":" + port() + "/" + config.database();
    }

    /** {@code host:port} of the target. */
    String target() {
        return host() + ":" + port();
    }

    String login() {
        return config.user() + "@" + config.database();
    }

    private String host() {
        return config.host() == null ? "localhost" : config.host();
    }

    private int port() {
        return config.port() == 0 ? 3306 : config.port();
    }

    /**
     * The exact, no-pad binary utf8mb4 collation of the server (MariaDB {@code utf8mb4_nopad_bin}, MySQL 8
     * {@code utf8mb4_0900_bin}): text keys then compare as Java strings do, trailing spaces included. MariaDB
     * also knows {@code utf8mb4_0900_bin}, as a pad-space alias, hence the order.
     */
    String collation() {
        get();
        return collation;
    }

    /** The open connection (autocommit off), connecting when there is none. */
    Connection get() {
        if (connection != null) {
            return connection;
        }
        Properties props = new Properties();
        props.setProperty("user", config.user());
        if (config.password() != null && config.password().reveal() != null) {
            props.setProperty("password", config.password().reveal());
        }
        props.setProperty("connectTimeout", "10000");
        props.setProperty("tcpKeepAlive", "true");
        // MySQL 8 logins default to caching_sha2_password, whose first login after a server restart needs the
        // server's RSA key when the connection is not TLS.
        props.setProperty("allowPublicKeyRetrieval", "true");
        // Update counts are matched rows, so an offset check-and-set that writes the same value counts 1.
        props.setProperty("useAffectedRows", "false");
        props.setProperty("connectionAttributes", "program_name:ferry-sink");
        Connection c = null;
        try {
            c = DriverManager.getConnection(url, props);
            try (Statement st = c.createStatement()) {
                st.execute("SET NAMES utf8mb4");
                st.execute("SET time_zone = '+00:00', sql_mode = '" + SQL_MODE + "'");
                collation = exactCollation(st);
            }
            c.setAutoCommit(false);
            connection = c;
            LOG.info("connected to MySQL target {} as {}", target(), login());
            return c;
        } catch (SQLException e) {
            if (c != null) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // the connection failed while being set up; it is thrown away
                }
            }
            throw connectFailure(e);
        }
    }

    private static String exactCollation(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT COLLATION_NAME FROM information_schema.COLLATIONS"
                + " WHERE COLLATION_NAME IN ('utf8mb4_0900_bin', 'utf8mb4_nopad_bin') ORDER BY COLLATION_NAME DESC")) {
            return rs.next() ? rs.getString(1) : "utf8mb4_bin";
        }
    }

    private FerryException connectFailure(SQLException e) {
        int code = e.getErrorCode();
        if (code == 1045 || code == 1044 || code == 1698) {
            return new FerryException("MySQL target " + target() + " refused the login " + login() + ": "
                    + e.getMessage() + ". Check sink.user and sink.password", e, false);
        }
        if (code == 1049) {
            return new FerryException("MySQL target " + target() + " has no database " + config.database()
                    + " (login " + login() + "): create it or fix sink.database", e, false);
        }
        return new FerryException("cannot connect to MySQL target " + target() + " as " + login() + ": "
                + e.getMessage(), e, isLost(e) || e.getSQLState() == null);
    }

    private static boolean isLost(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        return e instanceof SQLNonTransientConnectionException || e instanceof SQLTransientConnectionException
                || state.startsWith("08") || SESSION_GONE.contains(e.getErrorCode());
    }

    /**
     * Whether {@code e} means the connection is gone or the failure is transient, so that retrying the whole
     * transaction may succeed; a lost connection is closed and forgotten.
     */
    boolean isTransient(SQLException e) {
        boolean lost = isLost(e) || closed();
        if (lost) {
            discard();
        }
        return lost || RETRY_TRANSACTION.contains(e.getErrorCode());
    }

    FerryException retriable(String doing, SQLException e) {
        return FerryException.retriable("MySQL target " + target() + " failed while " + doing + ": "
                + e.getMessage(), e);
    }

    void rollbackQuietly() {
        if (connection == null) {
            return;
        }
        try {
            connection.rollback();
        } catch (SQLException e) {
            discard();
        }
    }

    private boolean closed() {
        try {
            return connection == null || connection.isClosed();
        } catch (SQLException e) {
            return true;
        }
    }

    /** Closes and forgets the connection; the next {@link #get} opens a new one. */
    void discard() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // it is being thrown away because it failed
            }
            connection = null;
        }
    }

    @Override
    public void close() {
        rollbackQuietly();
        discard();
    }
}
