package io.ferry.postgres;

import io.ferry.core.FerryException;
import io.ferry.core.LoginRefusedException;
import io.ferry.core.Secret;
import io.ferry.core.config.SourceConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.postgresql.PGProperty;

/**
 * Opens regular and replication connections to the source with the session settings every decoder relies on,
 * and turns login failures into one-line {@link FerryException}s (a refused login as a {@link LoginRefusedException},
 * which a running capture retries).
 */
final class PgConnections {

    /** Text formats the value decoders expect, identical for snapshot (JDBC) and streaming (pgoutput). */
    static final String SESSION_SETTINGS = "SET DateStyle = 'ISO, MDY'; SET IntervalStyle = iso_8601;"
            + " SET extra_float_digits = 3; SET TimeZone = 'UTC'; SET bytea_output = hex";

    private final String host;
    private final int port;
    private final String database;
    private final String user;
    private final Secret password;

    PgConnections(SourceConfig config) {
        this(config.host(), config.port(), config.database(), config.user(), config.password());
    }

    /** Connections to any PostgreSQL database, e.g. a sink's target for {@code ferry verify}. */
    PgConnections(String host, int port, String database, String user, Secret password) {
        this.host = host;
        this.port = port;
        this.database = database;
        this.user = user;
        this.password = password;
    }

    String where() {
        return host + ":" + port;
    }

    /** A regular connection; text transfer only, so {@code getString} returns the server's own text. */
    Connection regular() {
        Properties p = base();
        PGProperty.BINARY_TRANSFER.set(p, false);
        return open(p);
    }

    /** A logical replication connection ({@code replication=database}). */
    Connection replication() {
        Properties p = base();
        PGProperty.REPLICATION.set(p, "database");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(p, "10");
        PGProperty.PREFER_QUERY_MODE.set(p, "simple");
        return open(p);
    }

    private Properties base() {
        Properties p = new Properties();
        PGProperty.USER.set(p, user);
        if (password != null && password.reveal() != null) {
            PGProperty.PASSWORD.set(p, password.reveal());
        }
        PGProperty.OPTIONS.set(p, "-c IntervalStyle=iso_8601 -c extra_float_digits=3 -c DateStyle=ISO,MDY"
                + " -c bytea_output=hex");
        PGProperty.CONNECT_TIMEOUT.set(p, 10);
        PGProperty.TCP_KEEP_ALIVE.set(p, true);
        PGProperty.APPLICATION_NAME.set(p, "ferry");
        return p;
    }

    private Connection open(Properties p) {
        String url = "jdbc:postgresql://" + hostForUrl() + ":" + port + "/" + database;
        Connection c;
        try {
            c = DriverManager.getConnection(url, p);
        } catch (SQLException e) {
            throw loginFailure(e);
        }
        try (Statement st = c.createStatement()) {
            // pgjdbc sends its own TimeZone and DateStyle in the startup packet, after OPTIONS; set them last.
            st.execute(SESSION_SETTINGS);
        } catch (SQLException e) {
            closeQuietly(c);
            throw lost(e);
        }
        return c;
    }

    private String hostForUrl() {
        String h = host;
        return h.indexOf(':') >= 0 && !h.startsWith("[") ? "[" + h + "]" : h;
    }

    FerryException loginFailure(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String who = "user \"" + user + "\" on database \"" + database + "\" at " + where();
        return switch (state) {
            case "28P01" -> new LoginRefusedException("PostgreSQL rejected the password for " + who, user, where(),
                    firstLine(e), e);
            case "28000" -> new LoginRefusedException("PostgreSQL refused the login of " + who + ": " + firstLine(e),
                    user, where(), firstLine(e), e);
            case "3D000" -> new FerryException("database \"" + database + "\" does not exist at " + where(),
                    e, false);
            case "53300" -> FerryException.retriable("PostgreSQL at " + where() + " has no free connection slot: "
                    + firstLine(e), e);
            default -> state.startsWith("08") || state.isEmpty()
                    ? FerryException.retriable("cannot reach PostgreSQL at " + where() + ": " + firstLine(e), e)
                    : new FerryException("cannot connect to PostgreSQL as " + who + ": " + firstLine(e), e, false);
        };
    }

    /** A failure on an open connection: retriable, naming the server. */
    FerryException lost(SQLException e) {
        return FerryException.retriable("lost the connection to PostgreSQL at " + where() + ": " + firstLine(e), e);
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
