package io.ferry.postgres.sink;

import io.ferry.core.TableSchema;
import io.ferry.sink.jdbc.TargetTable;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Upserts by COPY (text format) into a temporary staging table, then one
 * {@code INSERT ... SELECT ... ON CONFLICT (key) DO UPDATE} from it. Staging tables are made per target
 * table and column set, live as long as the connection and are emptied by the commit (or before a second use in one transaction).
 */
final class CopyMergeWriter implements UpsertWriter {

    private final CopyText text;
    private final Map<String, String> stages = new HashMap<>();
    private final Set<String> filledInTransaction = new HashSet<>();
    private int created;

    CopyMergeWriter() {
        this(new CopyText());
    }

    CopyMergeWriter(CopyText text) {
        this.text = text;
    }

    @Override
    public void upsert(Connection c, TargetTable target, TableSchema schema, int[] columns, List<Object[]> rows)
            throws SQLException {
        String[] parts = UpsertWriter.insertAndConflict(target, schema, columns);
        StringBuilder columnList = new StringBuilder();
        StringBuilder definition = new StringBuilder();
        for (int i = 0; i < columns.length; i++) {
            String name = schema.columns().get(columns[i]).name();
            columnList.append(i > 0 ? ", " : "").append(PostgresDialect.ident(name));
            definition.append(i > 0 ? ", " : "").append(PostgresDialect.ident(name)).append(' ').append(target.castType(name));
        }
        String stage = stage(c, target.qualified() + " (" + definition + ")", definition.toString());
        if (!filledInTransaction.add(stage)) {
            try (Statement st = c.createStatement()) {
                st.execute("DELETE FROM " + stage);
            }
        }
        text.copy(c, "COPY " + stage + " (" + columnList + ") FROM STDIN", schema, columns, rows);
        try (Statement st = c.createStatement()) {
            st.executeUpdate(parts[0] + " SELECT " + columnList + " FROM " + stage + parts[1]);
        }
    }

    @Override
    public void reset() {
        stages.clear();
        filledInTransaction.clear();
    }

    /** ON COMMIT DELETE ROWS has emptied every staging table. */
    @Override
    public void committed() {
        filledInTransaction.clear();
    }

    private String stage(Connection c, String cacheKey, String definition) throws SQLException {
        String name = stages.get(cacheKey);
        if (name == null) {
            name = "ferry_stage_" + (++created);
            try (Statement st = c.createStatement()) {
                st.execute("DROP TABLE IF EXISTS pg_temp." + name);
                st.execute("CREATE TEMPORARY TABLE " + name + " (" + definition + ") ON COMMIT DELETE ROWS");
            }
            stages.put(cacheKey, name);
        }
        return name;
    }
}
