package io.ferry.postgres.sink;

import io.ferry.core.ColumnType;
import io.ferry.core.FerryException;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.core.config.SinkConfig;
import io.ferry.sink.jdbc.TargetConnection;
import io.ferry.sink.jdbc.TargetTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The tests' independent read-back of a target table (ferry verify compares by checksums in SQL instead):
 * rows of the table a {@link io.ferry.sink.jdbc.JdbcSink} with the {@link PostgresDialect} and the same
 * configuration writes for a {@link TableSchema}, in primary-key order, one chunk at a time, each row an
 * {@code Object[]} aligned with the schema's columns holding the values in {@link io.ferry.core.TypeKind}'s
 * Java classes, so that it {@code equals} the source's row value for value.
 *
 * <p>Text-like key columns sort with {@code COLLATE "C"} (byte order), so the order does not depend on the
 * target database's collation; a source reader must sort the same way to walk both in step. Not
 * thread-safe.
 */
final class PostgresTableReader implements AutoCloseable {

    private final PostgresDialect dialect = new PostgresDialect();
    private final TargetConnection connection;
    private final String schema;

    public PostgresTableReader(SinkConfig config) {
        Objects.requireNonNull(config, "config");
        this.connection = new TargetConnection(config, dialect);
        this.schema = config.schema() == null ? "public" : config.schema();
    }

    /**
     * Up to {@code limit} rows whose key is greater than {@code afterKey}, in key order.
     *
     * @param afterKey the last key of the previous chunk, values in primary-key order; {@code null} for the
     *                 first chunk
     * @return fewer than {@code limit} rows only at the end of the table
     * @throws FerryException when the table or one of the schema's columns does not exist (not retriable),
     *                        or the target is unreachable (retriable)
     */
    public List<Object[]> readChunk(TableSchema table, Object[] afterKey, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive: " + limit);
        }
        Connection c = connection.get();
        try {
            TargetTable target = dialect.readTable(c, schema, table.table().table());
            if (target == null) {
                throw new FerryException("target table " + schema + "." + table.table().table() + " does not exist");
            }
            List<Object[]> rows = new ArrayList<>(Math.min(limit, 10_000));
            try (PreparedStatement ps = c.prepareStatement(select(target, table, afterKey != null))) {
                int p = 1;
                if (afterKey != null) {
                    for (int i = 0; i < afterKey.length; i++) {
                        ColumnType type = table.columns().get(table.indexOf(table.primaryKey().get(i))).type();
                        ValueBinder.bind(ps, p++, type, afterKey[i]);
                    }
                }
                ps.setInt(p, limit);
                ps.setFetchSize(Math.min(limit, 5_000));
                try (ResultSet rs = ps.executeQuery()) {
                    int width = table.columns().size();
                    while (rs.next()) {
                        Object[] row = new Object[width];
                        for (int i = 0; i < width; i++) {
                            row[i] = PgTextDecoder.decode(table.columns().get(i).type(), rs.getString(i + 1));
                        }
                        rows.add(row);
                    }
                }
            }
            c.rollback();
            return rows;
        } catch (SQLException e) {
            connection.rollbackQuietly();
            if (connection.isTransient(e)) {
                throw connection.retriable("reading " + schema + "." + table.table().table(), e);
            }
            throw new FerryException("cannot read target table " + schema + "." + table.table().table() + " on "
                    + connection.target() + ": " + e.getMessage(), e, false);
        } catch (RuntimeException e) {
            connection.rollbackQuietly();
            throw e;
        }
    }

    private static String select(TargetTable target, TableSchema table, boolean after) {
        StringBuilder sb = new StringBuilder("SELECT ");
        sb.append(PostgresDialect.identList(table.columnNames())).append(" FROM ").append(target.qualified());
        StringBuilder order = new StringBuilder();
        StringBuilder bound = new StringBuilder();
        for (String k : table.primaryKey()) {
            String col = PostgresDialect.ident(k) + (collatable(table, k) ? " COLLATE \"C\"" : "");
            order.append(order.length() > 0 ? ", " : "").append(col);
            bound.append(bound.length() > 0 ? ", " : "").append(PostgresDialect.placeholder(target, k));
        }
        if (after) {
            sb.append(" WHERE ROW(").append(order).append(") > ROW(").append(bound).append(')');
        }
        return sb.append(" ORDER BY ").append(order).append(" LIMIT ?").toString();
    }

    /** Text-like columns, whose type has a collation: the sink creates them as text or varchar. */
    private static boolean collatable(TableSchema table, String column) {
        TypeKind kind = table.columns().get(table.indexOf(column)).type().kind();
        return kind == TypeKind.TEXT || kind == TypeKind.ENUM || kind == TypeKind.UNKNOWN;
    }

    @Override
    public void close() {
        connection.close();
    }
}
