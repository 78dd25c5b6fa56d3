package io.ferry.postgres.sink;

import io.ferry.core.ColumnType;
import io.ferry.core.TableSchema;
import io.ferry.sink.jdbc.TargetTable;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Upserts by COPY (text format) into a temporary staging table, then one
 * {@code INSERT ... SELECT ... ON CONFLICT (key) DO UPDATE} from it. Staging tables are made per target
 * table and column set, live as long as the connection and are emptied by the commit (or before a second use in one transaction).
 */
final class CopyMergeWriter implements UpsertWriter {

    private static final int FLUSH_CHARS = 1 << 20;

    private final Map<String, String> stages = new HashMap<>();
    private final Set<String> filledInTransaction = new HashSet<>();
    private int created;

    @Override
    public void upsert(Connection c, TargetTable target, TableSchema schema, int[] columns, List<Object[]> rows)
            throws SQLException {
        String[] parts = UpsertWriter.insertAndConflict(target, schema, columns);
        StringBuilder columnList = new StringBuilder();
        StringBuilder definition = new StringBuilder();
        ColumnType[] types = new ColumnType[columns.length];
        for (int i = 0; i < columns.length; i++) {
            String name = schema.columns().get(columns[i]).name();
            types[i] = schema.columns().get(columns[i]).type();
            columnList.append(i > 0 ? ", " : "").append(PostgresDialect.ident(name));
            definition.append(i > 0 ? ", " : "").append(PostgresDialect.ident(name)).append(' ').append(target.castType(name));
        }
        String stage = stage(c, target.qualified() + " (" + definition + ")", definition.toString());
        if (!filledInTransaction.add(stage)) {
            try (Statement st = c.createStatement()) {
                st.execute("DELETE FROM " + stage);
            }
        }
        CopyIn copy = c.unwrap(PGConnection.class).getCopyAPI()
                .copyIn("COPY " + stage + " (" + columnList + ") FROM STDIN");
        try {
            StringBuilder sb = new StringBuilder(FLUSH_CHARS + 4096);
            StringBuilder value = new StringBuilder(64);
            for (Object[] row : rows) {
                for (int i = 0; i < columns.length; i++) {
                    if (i > 0) {
                        sb.append('\t');
                    }
                    Object v = row[columns[i]];
                    if (v == null) {
                        sb.append("\\N");
                    } else {
                        value.setLength(0);
                        PgText.append(value, types[i], v);
                        escape(sb, value);
                    }
                }
                sb.append('\n');
                if (sb.length() >= FLUSH_CHARS) {
                    write(copy, sb);
                }
            }
            write(copy, sb);
            copy.endCopy();
        } finally {
            if (copy.isActive()) {
                copy.cancelCopy();
            }
        }
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

    private static void write(CopyIn copy, StringBuilder sb) throws SQLException {
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        copy.writeToCopy(bytes, 0, bytes.length);
        sb.setLength(0);
    }

    /** COPY text format: backslash, tab, newline and carriage return are escaped. */
    private static void escape(StringBuilder sb, CharSequence text) {
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            switch (ch) {
                case '\\' -> sb.append("\\\\");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                default -> sb.append(ch);
            }
        }
    }
}
