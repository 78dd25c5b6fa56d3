package io.ferry.mysql.sink;

import io.ferry.core.FerryException;
import io.ferry.core.config.SinkConfig;
import io.ferry.sink.jdbc.TargetConnection;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.util.Properties;
import java.util.Set;

/**
 * The MySQL/MariaDB target's connection (MariaDB Connector/J, which speaks to MySQL too). Sessions run in UTC,
 * utf8mb4 and strict SQL mode, so a value a column cannot hold is an error, never truncated or zeroed.
 */
final class SinkConnection extends TargetConnection {

    private static final String SQL_MODE = "STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
            + "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,NO_AUTO_VALUE_ON_ZERO";
    /** Server errors that mean the session is gone: killed, shut down, gone away, lost. */
    private static final Set<Integer> SESSION_GONE = Set.of(1053, 1927, 2006, 2013, 4031);
    /** Deadlock and lock wait timeout: the transaction may succeed when run again. */
    private static final Set<Integer> RETRY_TRANSACTION = Set.of(1205, 1213);

    private String collation;

    SinkConnection(SinkConfig config) {
        super(config, "MySQL", 3306);
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

    @Override
    protected Connection open(String host, int port, Properties props) throws SQLException {
        props.setProperty("connectTimeout", "10000");
        props.setProperty("tcpKeepAlive", "true");
        // MySQL 8 logins default to caching_sha2_password, whose first login after a server restart needs the
        // server's RSA key when the connection is not TLS.
        props.setProperty("allowPublicKeyRetrieval", "true");
        // Update counts are matched rows, so an offset check-and-set that writes the same value counts 1.
        props.setProperty("useAffectedRows", "false");
        props.setProperty("connectionAttributes", "program_name:ferry-sink");
        Connection c = DriverManager.getConnection("jdbc:mariadb://" + host + ":" + port + "/" + config.database(),
                props);
        try (Statement st = c.createStatement()) {
            st.execute("SET NAMES utf8mb4");
            st.execute("SET time_zone = '+00:00', sql_mode = '" + SQL_MODE + "'");
            collation = exactCollation(st);
            return c;
        } catch (SQLException e) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // the connection failed while being set up; it is thrown away
            }
            throw e;
        }
    }

    private static String exactCollation(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT COLLATION_NAME FROM information_schema.COLLATIONS"
                + " WHERE COLLATION_NAME IN ('utf8mb4_0900_bin', 'utf8mb4_nopad_bin') ORDER BY COLLATION_NAME DESC")) {
            return rs.next() ? rs.getString(1) : "utf8mb4_bin";
        }
    }

    @Override
    protected FerryException connectFailure(SQLException e) {
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

    @Override
    protected boolean isLost(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        return e instanceof SQLNonTransientConnectionException || e instanceof SQLTransientConnectionException
                || state.startsWith("08") || SESSION_GONE.contains(e.getErrorCode());
    }

    @Override
    protected boolean isRetryableTransaction(SQLException e) {
        return RETRY_TRANSACTION.contains(e.getErrorCode());
    }
}
