package io.ferry.postgres.sink;

import io.ferry.core.TableSchema;
import io.ferry.sink.jdbc.TargetTable;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/** Upserts many rows of one table by primary key in the caller's transaction. */
interface UpsertWriter {

    /**
     * Inserts each row, or updates the existing row with the same key, writing only {@code columns}.
     *
     * @param columns indexes (into the schema's columns) of the columns present in every row, key included
     * @param rows    row images aligned with the schema's columns; keys are distinct
     */
    void upsert(Connection c, TargetTable target, TableSchema schema, int[] columns, List<Object[]> rows)
            throws SQLException;

    /** Forgets what it made on the connection, after a rollback or on a new connection. */
    default void reset() {
    }

    /** The transaction it wrote in has committed. */
    default void committed() {
    }

    /** {@code INSERT INTO t (cols)} and the {@code ON CONFLICT} clause that updates the non-key columns. */
    static String[] insertAndConflict(TargetTable target, TableSchema schema, int[] columns) {
        StringBuilder head = new StringBuilder("INSERT INTO ").append(target.qualified()).append(" (");
        StringBuilder set = new StringBuilder();
        List<String> key = schema.primaryKey();
        for (int i = 0; i < columns.length; i++) {
            String name = schema.columns().get(columns[i]).name();
            head.append(i > 0 ? ", " : "").append(PostgresDialect.ident(name));
            if (!key.contains(name)) {
                set.append(set.length() > 0 ? ", " : "").append(PostgresDialect.ident(name)).append(" = EXCLUDED.")
                        .append(PostgresDialect.ident(name));
            }
        }
        head.append(')');
        String conflict = " ON CONFLICT (" + PostgresDialect.identList(key) + ") DO "
                + (set.length() == 0 ? "NOTHING" : "UPDATE SET " + set);
        return new String[] {head.toString(), conflict};
    }
}
