package io.ferry.mysql.sink;

import io.ferry.core.Column;
import io.ferry.core.TableSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/**
 * Writes rows of one table in the caller's transaction: multi-row
 * {@code INSERT ... VALUES (...), (...) ON DUPLICATE KEY UPDATE c = VALUES(c)} for upserts (without the update
 * clause for a table without a key) and {@code DELETE ... WHERE key IN (...)} for deletes. {@code VALUES(c)} is deprecated in MySQL 8.0.20 in favour
 * of a row alias, which MariaDB does not accept; both servers run it.
 */
final class RowWriter {

    static final int MAX_ROWS = 500;
    /** Keeps a statement well under the server's default max_allowed_packet (16 MB to 64 MB). */
    static final long MAX_STATEMENT_BYTES = 4L << 20;
    private static final int MAX_PARAMETERS = 60_000;

    private RowWriter() {
    }

    /**
     * Inserts each row, or updates the existing row with the same key, writing only {@code columns}.
     *
     * @param columns indexes (into the schema's columns) of the columns present in every row, key included
     * @param rows    row images aligned with the schema's columns; keys are distinct
     */
    static void upsert(Connection c, String table, TableSchema schema, int[] columns, List<Object[]> rows)
            throws SQLException {
        write(c, table, schema, columns, rows, onDuplicateKey(schema, columns));
    }

    /** Inserts the rows as they are, every column: a table without a key. */
    static void insert(Connection c, String table, TableSchema schema, List<Object[]> rows) throws SQLException {
        int[] columns = new int[schema.columns().size()];
        for (int i = 0; i < columns.length; i++) {
            columns[i] = i;
        }
        write(c, table, schema, columns, rows, "");
    }

    private static void write(Connection c, String table, TableSchema schema, int[] columns, List<Object[]> rows,
                              String update) throws SQLException {
        String head = insertHead(table, schema, columns);
        String tuple = "(" + "?, ".repeat(columns.length - 1) + "?)";
        int perStatement = Math.max(1, Math.min(MAX_ROWS, MAX_PARAMETERS / columns.length));
        int from = 0;
        while (from < rows.size()) {
            int count = 0;
            long bytes = 0;
            while (from + count < rows.size() && count < perStatement
                    && (count == 0 || bytes < MAX_STATEMENT_BYTES)) {
                bytes += size(rows.get(from + count), columns);
                count++;
            }
            StringBuilder sql = new StringBuilder(head).append(" VALUES ");
            for (int r = 0; r < count; r++) {
                sql.append(r > 0 ? ", " : "").append(tuple);
            }
            sql.append(update);
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                int p = 1;
                for (int r = from; r < from + count; r++) {
                    Object[] row = rows.get(r);
                    for (int col : columns) {
                        ValueBinder.bind(ps, p++, schema.columns().get(col), row[col]);
                    }
                }
                ps.executeUpdate();
            }
            from += count;
        }
    }

    /** Deletes the rows with these key values (in primary-key order). */
    static void delete(Connection c, String table, TableSchema schema, List<Object[]> keys) throws SQLException {
        List<String> key = schema.primaryKey();
        Column[] types = new Column[key.size()];
        for (int i = 0; i < types.length; i++) {
            types[i] = schema.columns().get(schema.indexOf(key.get(i)));
        }
        String tuple = types.length == 1 ? "?" : "(" + "?, ".repeat(types.length - 1) + "?)";
        String match = types.length == 1 ? MySqlDialect.ident(key.get(0)) : "(" + MySqlDialect.identList(key) + ")";
        int perStatement = Math.max(1, Math.min(1000, MAX_PARAMETERS / types.length));
        for (int from = 0; from < keys.size(); from += perStatement) {
            int count = Math.min(perStatement, keys.size() - from);
            StringBuilder sql = new StringBuilder("DELETE FROM ").append(table).append(" WHERE ").append(match)
                    .append(" IN (");
            for (int r = 0; r < count; r++) {
                sql.append(r > 0 ? ", " : "").append(tuple);
            }
            sql.append(')');
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                int p = 1;
                for (int r = from; r < from + count; r++) {
                    Object[] k = keys.get(r);
                    for (int i = 0; i < types.length; i++) {
                        ValueBinder.bind(ps, p++, types[i], k[i]);
                    }
                }
                ps.executeUpdate();
            }
        }
    }

    private static String insertHead(String table, TableSchema schema, int[] columns) {
        StringBuilder sb = new StringBuilder("INSERT INTO ").append(table).append(" (");
        for (int i = 0; i < columns.length; i++) {
            sb.append(i > 0 ? ", " : "").append(MySqlDialect.ident(schema.columns().get(columns[i]).name()));
        }
        return sb.append(')').toString();
    }

    /** Updates the present non-key columns; a row of key columns only updates a key column to itself. */
    static String onDuplicateKey(TableSchema schema, int[] columns) {
        StringBuilder set = new StringBuilder();
        for (int col : columns) {
            String name = schema.columns().get(col).name();
            if (!schema.primaryKey().contains(name)) {
                String q = MySqlDialect.ident(name);
                set.append(set.length() > 0 ? ", " : "").append(q).append(" = VALUES(").append(q).append(')');
            }
        }
        if (set.length() == 0) {
            String q = MySqlDialect.ident(schema.primaryKey().get(0));
            set.append(q).append(" = ").append(q);
        }
        return " ON DUPLICATE KEY UPDATE " + set;
    }

    private static long size(Object[] row, int[] columns) {
        long bytes = 0;
        for (int col : columns) {
            Object v = row[col];
            if (v instanceof String s) {
                bytes += 4L * s.length();
            } else if (v instanceof byte[] b) {
                bytes += 2L * b.length;
            } else {
                bytes += 40;
            }
        }
        return bytes;
    }
}
