package io.ferry.it;

import io.ferry.mysql.MySqlTestServer;
import io.ferry.mysql.MySqlTestServer.Flavor;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Databases on the JVM-wide MariaDB or MySQL 8 test server for the cross-database end-to-end tests: created
 * fresh, granted to the {@code ferry} login, and described as a pipeline's {@code source:} or {@code sink:}
 * section.
 */
final class MySqlDatabases {

    private final MySqlTestServer server;

    MySqlDatabases(Flavor flavor) {
        this.server = MySqlTestServer.shared(flavor);
    }

    MySqlTestServer server() {
        return server;
    }

    Flavor flavor() {
        return server.flavor();
    }

    /** The pipeline's {@code type} for this server: {@code mariadb} or {@code mysql}. */
    String type() {
        return server.flavor() == Flavor.MARIADB ? "mariadb" : "mysql";
    }

    /** A fresh utf8mb4 database that the {@code ferry} login may do anything in. */
    String create(String name) {
        server.executeAsAdmin("DROP DATABASE IF EXISTS `" + name + "`",
                "CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
        server.grantAllOn(name, MySqlTestServer.USER);
        return name;
    }

    /** The connection keys of a {@code source:} or {@code sink:} section, indented, {@code type: <type()>} included. */
    String section(String database) {
        return "  type: " + type() + "\n"
                + "  host: " + server.host() + "\n"
                + "  port: " + server.port() + "\n"
                + "  database: " + database + "\n"
                + "  user: " + MySqlTestServer.USER + "\n"
                + "  password: " + MySqlTestServer.PASSWORD + "\n";
    }

    /**
     * {@code INSERT INTO <table> <select>} where {@code select} reads column {@code seq} of a table {@code numbers}
     * holding 1 to {@code n}: MariaDB's sequence tables do not exist in MySQL, a recursive CTE runs on both.
     */
    String[] insertNumbered(String table, int n, String select) {
        return new String[] {server.allowRecursion(n + 1),
                "INSERT INTO " + table + " WITH RECURSIVE numbers (seq) AS (SELECT 1 UNION ALL SELECT seq + 1"
                        + " FROM numbers WHERE seq < " + n + ") " + select};
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

    @Override
    public String toString() {
        return server.toString();
    }
}
