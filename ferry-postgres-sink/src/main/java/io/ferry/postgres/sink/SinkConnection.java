package io.ferry.postgres.sink;

import io.ferry.core.FerryException;
import io.ferry.core.config.SinkConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one JDBC connection of a sink, opened on first use and again after it is lost. Sessions use the
 * settings the tests' PgTextDecoder reads under. Errors name the target ({@code host:port}) or the login
 * ({@code user@database}), never the password.
 */
final class SinkConnection implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SinkConnection.class);
    private static final String OPTIONS = "-c IntervalStyle=iso_8601 -c TimeZone=UTC -c extra_float_digits=3"
            + " -c bytea_output=hex -c DateStyle=ISO";

    private final SinkConfig config;
    private final String url;
    private Connection connection;

    SinkConnection(SinkConfig config) {
        this.config = config;
        String host = config.host() == null ? "localhost" : config.host();
        String hostPart = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        this.url = "jdbc:postgresql://" + hostPart + ":" + port() + "/" + config.database();
    }

    /** {@code host:port} of the target. */
    String target() {
        return (config.host() == null ? "localhost" : config.host()) + ":" + port();
    }

    String login() {
        return config.user() + "@" + config.database();
    }

    private int port() {
        return config.port() == 0 ? 5432 : config.port();
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
        props.setProperty("ApplicationName", "ferry-sink");
        props.setProperty("options", OPTIONS);
        props.setProperty("connectTimeout", "10");
        props.setProperty("tcpKeepAlive", "true");
        try {
            Connection c = DriverManager.getConnection(url, props);
            c.setAutoCommit(false);
            connection = c;
            LOG.info("connected to PostgreSQL target {} as {}", target(), login());
            return c;
        } catch (SQLException e) {
            throw connectFailure(e);
        }
    }

    private FerryException connectFailure(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (state.startsWith("28")) {
            return new FerryException("PostgreSQL target " + target() + " refused the login " + login() + ": "
                    + e.getMessage() + ". Check sink.user and sink.password", e, false);
        }
        if (state.equals("3D000")) {
            return new FerryException("PostgreSQL target " + target() + " has no database " + config.database()
                    + " (login " + login() + "): create it or fix sink.database", e, false);
        }
        boolean transientState = state.isEmpty() || state.startsWith("08") || state.startsWith("57P")
                || state.startsWith("53");
        return new FerryException("cannot connect to PostgreSQL target " + target() + " as " + login() + ": "
                + e.getMessage(), e, transientState);
    }

    /**
     * Whether {@code e} means the connection is gone or the failure is transient, so that retrying the whole
     * transaction may succeed; a lost connection is closed and forgotten.
     */
    boolean isTransient(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        boolean lost = state.startsWith("08") || state.startsWith("57P") || closed();
        if (lost) {
            discard();
        }
        return lost || state.equals("40001") || state.equals("40P01");
    }

    FerryException retriable(String doing, SQLException e) {
        return FerryException.retriable("PostgreSQL target " + target() + " failed while " + doing + ": "
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
