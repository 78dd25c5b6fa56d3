package io.ferry.postgres.sink;

import io.ferry.core.ColumnType;
import io.ferry.core.TableSchema;
import io.ferry.sink.jdbc.TargetTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/**
 * Upserts with multi-row {@code INSERT ... VALUES (...), (...) ON CONFLICT (key) DO UPDATE} (or inserts, without
 * the conflict clause): full-size statements go out as one JDBC batch of one prepared statement, the remainder as
 * one smaller statement.
 */
final class InsertValuesWriter implements UpsertWriter {

    /** PostgreSQL takes at most 65535 parameters per statement. */
    static final int MAX_PARAMETERS = 32_000;
    static final int MAX_ROWS = 500;

    @Override
    public void upsert(Connection c, TargetTable target, TableSchema schema, int[] columns, List<Object[]> rows)
            throws SQLException {
        write(c, target, schema, columns, rows, UpsertWriter.insertAndConflict(target, schema, columns));
    }

    /** Inserts the rows as they are, every column: a table without a key. */
    void insert(Connection c, TargetTable target, TableSchema schema, List<Object[]> rows) throws SQLException {
        int[] columns = new int[schema.columns().size()];
        for (int i = 0; i < columns.length; i++) {
            columns[i] = i;
        }
        String head = UpsertWriter.insertAndConflict(target, schema, columns)[0];
        write(c, target, schema, columns, rows, new String[] {head, ""});
    }

    private void write(Connection c, TargetTable target, TableSchema schema, int[] columns, List<Object[]> rows,
                       String[] parts) throws SQLException {
        int perStatement = Math.max(1, Math.min(MAX_ROWS, MAX_PARAMETERS / columns.length));
        String tuple = tuple(target, schema, columns);
        int full = rows.size() / perStatement;
        if (full > 0) {
            try (PreparedStatement ps = c.prepareStatement(sql(parts, tuple, perStatement))) {
                for (int s = 0; s < full; s++) {
                    bind(ps, schema, columns, rows, s * perStatement, perStatement);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
        int rest = rows.size() - full * perStatement;
        if (rest > 0) {
            try (PreparedStatement ps = c.prepareStatement(sql(parts, tuple, rest))) {
                bind(ps, schema, columns, rows, full * perStatement, rest);
                ps.executeUpdate();
            }
        }
    }

    private static void bind(PreparedStatement ps, TableSchema schema, int[] columns, List<Object[]> rows,
                             int from, int count) throws SQLException {
        int p = 1;
        ColumnType[] types = new ColumnType[columns.length];
        for (int i = 0; i < columns.length; i++) {
            types[i] = schema.columns().get(columns[i]).type();
        }
        for (int r = from; r < from + count; r++) {
            Object[] row = rows.get(r);
            for (int i = 0; i < columns.length; i++) {
                ValueBinder.bind(ps, p++, types[i], row[columns[i]]);
            }
        }
    }

    static String tuple(TargetTable target, TableSchema schema, int[] columns) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < columns.length; i++) {
            sb.append(i > 0 ? ", " : "").append(PostgresDialect.placeholder(target, schema.columns().get(columns[i]).name()));
        }
        return sb.append(')').toString();
    }

    private static String sql(String[] parts, String tuple, int rows) {
        StringBuilder sb = new StringBuilder(parts[0].length() + rows * (tuple.length() + 2) + parts[1].length());
        sb.append(parts[0]).append(" VALUES ");
        for (int r = 0; r < rows; r++) {
            sb.append(r > 0 ? ", " : "").append(tuple);
        }
        return sb.append(parts[1]).toString();
    }
}
