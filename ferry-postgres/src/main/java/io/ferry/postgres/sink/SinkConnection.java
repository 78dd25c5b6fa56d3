package io.ferry.postgres.sink;

import io.ferry.core.FerryException;
import io.ferry.core.config.SinkConfig;
import io.ferry.sink.jdbc.TargetConnection;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/** The PostgreSQL target's connection. Sessions use the settings the tests' PgTextDecoder reads under. */
final class SinkConnection extends TargetConnection {

    private static final String OPTIONS = "-c IntervalStyle=iso_8601 -c TimeZone=UTC -c extra_float_digits=3"
            + " -c bytea_output=hex -c DateStyle=ISO";

    SinkConnection(SinkConfig config) {
        super(config, "PostgreSQL", 5432);
    }

    @Override
    protected Connection open(String host, int port, Properties props) throws SQLException {
        props.setProperty("ApplicationName", "ferry-sink");
        props.setProperty("options", OPTIONS);
        props.setProperty("connectTimeout", "10");
        props.setProperty("tcpKeepAlive", "true");
        return DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port + "/" + config.database(), props);
    }

    @Override
    protected FerryException connectFailure(SQLException e) {
        String state = state(e);
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

    @Override
    protected boolean isLost(SQLException e) {
        return state(e).startsWith("08") || state(e).startsWith("57P");
    }

    @Override
    protected boolean isRetryableTransaction(SQLException e) {
        return state(e).equals("40001") || state(e).equals("40P01");
    }

    private static String state(SQLException e) {
        return e.getSQLState() == null ? "" : e.getSQLState();
    }
}
