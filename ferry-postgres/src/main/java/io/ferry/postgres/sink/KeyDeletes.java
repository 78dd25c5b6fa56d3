package io.ferry.postgres.sink;

import io.ferry.core.ColumnType;
import io.ferry.core.TableSchema;
import io.ferry.sink.jdbc.TargetTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/** Deletes rows by primary key, many keys per statement: {@code DELETE ... USING (VALUES ...)}. */
final class KeyDeletes {

    private static final int MAX_KEYS = 1000;

    private KeyDeletes() {
    }

    static void delete(Connection c, TargetTable target, TableSchema schema, List<Object[]> keys)
            throws SQLException {
        List<String> key = schema.primaryKey();
        ColumnType[] types = new ColumnType[key.size()];
        StringBuilder tuple = new StringBuilder("(");
        StringBuilder match = new StringBuilder();
        for (int i = 0; i < types.length; i++) {
            types[i] = schema.columns().get(schema.indexOf(key.get(i))).type();
            tuple.append(i > 0 ? ", " : "").append(PostgresDialect.placeholder(target, key.get(i)));
            match.append(i > 0 ? " AND " : "").append("t.").append(PostgresDialect.ident(key.get(i)))
                    .append(" = d.").append(PostgresDialect.ident(key.get(i)));
        }
        tuple.append(')');
        int perStatement = Math.max(1, Math.min(MAX_KEYS, InsertValuesWriter.MAX_PARAMETERS / types.length));
        for (int from = 0; from < keys.size(); from += perStatement) {
            int count = Math.min(perStatement, keys.size() - from);
            StringBuilder sql = new StringBuilder("DELETE FROM ").append(target.qualified())
                    .append(" AS t USING (VALUES ");
            for (int r = 0; r < count; r++) {
                sql.append(r > 0 ? ", " : "").append(tuple);
            }
            sql.append(") AS d (").append(PostgresDialect.identList(key)).append(") WHERE ").append(match);
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
}
