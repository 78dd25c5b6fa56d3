package io.ferry.mysql.sink;

import io.ferry.core.Secret;
import io.ferry.core.config.SinkConfig;
import io.ferry.mysql.MySqlTestServer;
import io.ferry.mysql.MySqlTestServer.Flavor;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** The shared MariaDB or MySQL server as a sink target; each test writes into a fresh database. */
final class TargetDb {

    private static final AtomicInteger DATABASES = new AtomicInteger();

    final MySqlTestServer server;

    TargetDb(Flavor flavor) {
        this.server = MySqlTestServer.shared(flavor);
    }

    Flavor flavor() {
        return server.flavor();
    }

    String freshDatabase() {
        String name = "sink_" + DATABASES.incrementAndGet();
        server.executeAsAdmin("CREATE DATABASE " + MySqlDialect.ident(name));
        return name;
    }

    SinkConfig config(String database) {
        return new SinkConfig("mysql", server.host(), server.port(), database, MySqlTestServer.ADMIN,
                new Secret(MySqlTestServer.ADMIN_PASSWORD), null, true, SinkConfig.OnError.STOP);
    }

    /**
     * A connection that reads with server-side prepared statements: the binary protocol gives floats back
     * exactly, where the text protocol prints six digits.
     */
    Connection reader(String database) throws SQLException {
        String url = server.jdbcUrl(database);
        return DriverManager.getConnection(url + (url.contains("?") ? "&" : "?") + "useServerPrepStmts=true",
                MySqlTestServer.ADMIN, MySqlTestServer.ADMIN_PASSWORD);
    }

    void execute(String database, String sql) {
        try (Connection c = reader(database); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.execute();
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Rows as lists of JDBC objects. */
    List<List<Object>> query(String database, String sql) {
        try (Connection c = reader(database); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            List<List<Object>> rows = new ArrayList<>();
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    row.add(rs.getObject(i));
                }
                rows.add(row);
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
