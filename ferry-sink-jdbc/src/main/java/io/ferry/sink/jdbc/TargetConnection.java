package io.ferry.sink.jdbc;

import io.ferry.core.FerryException;
import io.ferry.core.config.SinkConfig;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one JDBC connection of a sink, opened on first use and again after it is lost; autocommit is off. The
 * database's {@link JdbcDialect} opens and sets up the session and classifies its errors. Errors name the target
 * ({@code host:port}) or the login ({@code user@database}), never the password.
 */
public final class TargetConnection implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TargetConnection.class);

    private final SinkConfig config;
    private final JdbcDialect dialect;
    private final boolean announce;
    private Connection connection;

    public TargetConnection(SinkConfig config, JdbcDialect dialect) {
        this(config, dialect, true);
    }

    /** {@code announce}: log each new connection at INFO (a check before start keeps quiet unless it fails). */
    TargetConnection(SinkConfig config, JdbcDialect dialect, boolean announce) {
        this.config = config;
        this.dialect = dialect;
        this.announce = announce;
    }

    /** {@code host:port} of the target. */
    public final String target() {
        return host() + ":" + port();
    }

    public final String login() {
        return config.user() + "@" + config.database();
    }

    private String host() {
        return config.host() == null ? "localhost" : config.host();
    }

    private int port() {
        return config.port() == 0 ? dialect.defaultPort() : config.port();
    }

    /** The open connection (autocommit off), connecting when there is none. */
    public final Connection get() {
        if (connection != null) {
            return connection;
        }
        Properties credentials = new Properties();
        credentials.setProperty("user", config.user());
        if (config.password() != null && config.password().reveal() != null) {
            credentials.setProperty("password", config.password().reveal());
        }
        String host = host();
        try {
            Connection c = dialect.open(config, host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host,
                    port(), credentials);
            c.setAutoCommit(false);
            connection = c;
            if (announce) {
                LOG.info("connected to {} target {} as {}", dialect.product(), target(), login());
            }
            return c;
        } catch (SQLException e) {
            throw dialect.connectFailure(target(), config.user(), config.database(), e);
        }
    }

    /**
     * Whether {@code e} means the connection is gone or the failure is transient, so that retrying the whole
     * transaction may succeed; a lost connection is closed and forgotten.
     */
    public final boolean isTransient(SQLException e) {
        boolean lost = dialect.isLost(e) || closed();
        if (lost) {
            discard();
        }
        return lost || dialect.isRetryableTransaction(e);
    }

    public final FerryException retriable(String doing, SQLException e) {
        return FerryException.retriable(dialect.product() + " target " + target() + " failed while " + doing + ": "
                + e.getMessage(), e);
    }

    public final void rollbackQuietly() {
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
    public final void discard() {
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
    public final void close() {
        rollbackQuietly();
        discard();
    }
}
