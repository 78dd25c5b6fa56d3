package io.ferry.it;

import io.ferry.mysql.MySqlTestServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Databases on the JVM-wide MariaDB test server for the cross-database end-to-end tests: created fresh, granted
 * to the {@code ferry} login, and described as a pipeline's {@code source:} or {@code sink:} section.
 */
final class MariaDbDatabases {

    private final MySqlTestServer server = MySqlTestServer.shared(MySqlTestServer.Flavor.MARIADB);

    /** A fresh utf8mb4 database that the {@code ferry} login may do anything in. */
    String create(String name) {
        server.executeAsAdmin("DROP DATABASE IF EXISTS `" + name + "`",
                "CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
                "GRANT ALL PRIVILEGES ON `" + name + "`.* TO '" + MySqlTestServer.USER + "'@'%'",
                "GRANT ALL PRIVILEGES ON `" + name + "`.* TO '" + MySqlTestServer.USER + "'@'localhost'");
        return name;
    }

    /** The connection keys of a {@code source:} or {@code sink:} section, indented, {@code type} included. */
    String section(String type, String database) {
        return "  type: " + type + "\n"
                + "  host: " + server.host() + "\n"
                + "  port: " + server.port() + "\n"
                + "  database: " + database + "\n"
                + "  user: " + MySqlTestServer.USER + "\n"
                + "  password: " + MySqlTestServer.PASSWORD + "\n";
    }

    Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(server.jdbcUrl(database), MySqlTestServer.ADMIN,
                MySqlTestServer.ADMIN_PASSWORD);
    }

    /** Runs statements in {@code database} on one connection (autocommit), in order. */
    void execute(String database, String... sql) {
        try (Connection c = connect(database); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Every row of {@code sql}, each column read with {@code getString}. */
    List<List<String>> query(String database, String sql) {
        try (Connection c = connect(database); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            List<List<String>> rows = new ArrayList<>();
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    row.add(rs.getString(i));
                }
                rows.add(row);
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** The first column of the first row of {@code sql} as text, or null (also when the table does not exist). */
    String queryStringOrNull(String database, String sql) {
        try (Connection c = connect(database); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            return null;
        }
    }
}
