package io.ferry.mysql;

import io.ferry.core.TableId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads tables and columns from {@code information_schema}. The catalog describes tables as they are now, not
 * as they were at some binlog position: callers compare what it says with the binlog's own column names.
 */
final class Catalog {

    private static final String SYSTEM = "('mysql', 'information_schema', 'performance_schema', 'sys')";

    private final Connection c;

    Catalog(Connection c) {
        this.c = c;
    }

    /** Character set names by collation id, as TABLE_MAP events name a column's charset. */
    Map<Integer, String> charsetsByCollation() throws SQLException {
        Map<Integer, String> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT ID, CHARACTER_SET_NAME FROM"
                + " information_schema.COLLATIONS WHERE ID IS NOT NULL");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.put(rs.getInt(1), rs.getString(2));
            }
        }
        return out;
    }

    /** All base tables outside the system databases. */
    Set<TableId> tables() throws SQLException {
        Set<TableId> out = new LinkedHashSet<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES"
                + " WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA NOT IN " + SYSTEM + " ORDER BY 1, 2");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new TableId(rs.getString(1), rs.getString(2)));
            }
        }
        return out;
    }

    /** The table's definition now, or {@code null} if it does not exist. */
    TableDef describe(TableId id) throws SQLException {
        Set<String> json = jsonColumns(id);
        List<MySqlColumn> columns = new ArrayList<>();
        List<String> key = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE,"
                + " CHARACTER_SET_NAME, IS_NULLABLE FROM information_schema.COLUMNS"
                + " WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION")) {
            ps.setString(1, id.schema());
            ps.setString(2, id.table());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String name = rs.getString(1);
                    columns.add(new MySqlColumn(name, rs.getString(2), rs.getString(3), rs.getString(4),
                            "YES".equals(rs.getString(5)), json.contains(name)));
                }
            }
        }
        if (columns.isEmpty()) {
            return null;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE"
                + " WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION")) {
            ps.setString(1, id.schema());
            ps.setString(2, id.table());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    key.add(rs.getString(1));
                }
            }
        }
        return new TableDef(id, columns, key);
    }

    /** MariaDB's JSON is a longtext with a {@code json_valid(col)} check named after the column. */
    private Set<String> jsonColumns(TableId id) throws SQLException {
        Set<String> out = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT CONSTRAINT_NAME, CHECK_CLAUSE FROM"
                + " information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ?")) {
            ps.setString(1, id.schema());
            ps.setString(2, id.table());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String name = rs.getString(1);
                    if (("json_valid(" + Backticks.quote(name) + ")").equals(rs.getString(2))) {
                        out.add(name);
                    }
                }
            }
        } catch (SQLException e) {
            // MySQL before 8.0.16 has no CHECK_CONSTRAINTS; it has a real json type instead.
            return out;
        }
        return out;
    }

    /** The server's row estimate for a table, 0 if unknown. */
    long estimate(TableId id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT TABLE_ROWS FROM information_schema.TABLES"
                + " WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?")) {
            ps.setString(1, id.schema());
            ps.setString(2, id.table());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }
}
