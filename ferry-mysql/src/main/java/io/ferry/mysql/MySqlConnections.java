package io.ferry.mysql;

import io.ferry.core.FerryException;
import io.ferry.core.LoginRefusedException;
import io.ferry.core.config.SourceConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * Opens JDBC connections to the source with the session settings the value decoders rely on (UTC time zone,
 * utf8mb4, binary protocol so float values arrive exactly) and turns login failures into one-line
 * {@link FerryException}s (a refused login as a {@link LoginRefusedException}, which a running capture retries).
 */
final class MySqlConnections {

    private final SourceConfig config;

    MySqlConnections(SourceConfig config) {
        this.config = config;
    }

    String where() {
        return config.host() + ":" + config.port();
    }

    Connection open() {
        Properties p = new Properties();
        p.setProperty("user", config.user());
        if (config.password() != null && config.password().reveal() != null) {
            p.setProperty("password", config.password().reveal());
        }
        p.setProperty("connectTimeout", "10000");
        p.setProperty("tcpKeepAlive", "true");
        p.setProperty("useServerPrepStmts", "true");
        p.setProperty("permitMysqlScheme", "true");
        // MySQL 8 logins default to caching_sha2_password, whose first login after a server restart needs the
        // server's RSA key when the connection is not TLS.
        p.setProperty("allowPublicKeyRetrieval", "true");
        String host = config.host().indexOf(':') >= 0 && !config.host().startsWith("[")
                ? "[" + config.host() + "]" : config.host();
        String url = "jdbc:mariadb://" + host + ":" + config.port() + "/" + config.database();
        Connection c;
        try {
            c = DriverManager.getConnection(url, p);
        } catch (SQLException e) {
            throw loginFailure(e);
        }
        try (Statement st = c.createStatement()) {
            st.execute("SET time_zone = '+00:00', NAMES utf8mb4");
        } catch (SQLException e) {
            closeQuietly(c);
            throw lost(e);
        }
        return c;
    }

    FerryException loginFailure(SQLException e) {
        String who = "user \"" + config.user() + "\" on database \"" + config.database() + "\" at " + where();
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        return switch (e.getErrorCode()) {
            case 1045, 1698 -> new LoginRefusedException("MySQL rejected the password for " + who, config.user(),
                    where(), firstLine(e), e);
            case 1044 -> new LoginRefusedException("MySQL refused access for " + who + ": " + firstLine(e),
                    config.user(), where(), firstLine(e), e);
            case 1049 -> new FerryException("database \"" + config.database() + "\" does not exist at " + where(),
                    e, false);
            case 1040 -> FerryException.retriable("MySQL at " + where() + " has too many connections: "
                    + firstLine(e), e);
            default -> state.startsWith("08") || state.isEmpty()
                    ? FerryException.retriable("cannot reach MySQL at " + where() + ": " + firstLine(e), e)
                    : new FerryException("cannot connect to MySQL as " + who + ": " + firstLine(e), e, false);
        };
    }

    /** A failure on an open connection: retriable, naming the server. */
    FerryException lost(SQLException e) {
        return FerryException.retriable("lost the connection to MySQL at " + where() + ": " + firstLine(e), e);
    }

    static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing after a failure; the failure that matters is already being reported
            }
        }
    }
}
