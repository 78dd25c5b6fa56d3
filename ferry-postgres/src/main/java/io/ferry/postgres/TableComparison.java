package io.ferry.postgres;

import io.ferry.core.ColumnType;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Compares one table between two PostgreSQL databases without copying it: row counts, then an md5 checksum
 * per primary-key range on each side, then, only for the ranges that differ, the rows, to name each
 * differing key with both values. Text keys are ordered by {@code COLLATE "C"} on both sides so ranges
 * mean the same rows whatever the databases' default collations. A table without a key is ordered and ranged by
 * its whole row's text ({@code ROW(...)::text}); identical rows then share one key, so a differing number of
 * identical rows shows as a differing checksum and row count rather than as a named key.
 */
public final class TableComparison {

    /** One key whose row differs; a side's row is null when the key is missing there. */
    public record Difference(String key, String sourceRow, String targetRow) {
    }

    /** The outcome for one table. */
    public record Result(TableId table, long sourceRows, long targetRows, int chunks, int chunksDiffering,
                         List<Difference> differences) {
        /** Equal counts and equal checksums: a chunk whose checksum differs is a difference even when no row does. */
        public boolean matches() {
            return sourceRows == targetRows && chunksDiffering == 0 && differences.isEmpty();
        }
    }

    private final TableSchema schema;
    private final String sourceTable;
    private final String targetTable;
    private final String keyList;
    private final String keyTexts;
    private final String rowExpression;
    private final int chunkRows;
    private final int maxDifferences;
    private final int keyWidth;

    /**
     * @param sourceTable the quoted, schema-qualified source table
     * @param targetTable the quoted, schema-qualified target table
     */
    public TableComparison(TableSchema schema, String sourceTable, String targetTable, int chunkRows,
                           int maxDifferences) {
        this.schema = schema;
        this.sourceTable = sourceTable;
        this.targetTable = targetTable;
        this.chunkRows = chunkRows;
        this.maxDifferences = maxDifferences;
        List<String> keys = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        List<String> cols = new ArrayList<>();
        for (String c : schema.columnNames()) {
            cols.add(quote(c));
        }
        this.rowExpression = "ROW(" + String.join(", ", cols) + ")::text";
        if (schema.primaryKey().isEmpty()) {
            keys.add(rowExpression + " COLLATE \"C\"");
            texts.add(rowExpression);
        }
        for (String k : schema.primaryKey()) {
            ColumnType type = schema.columns().get(schema.indexOf(k)).type();
            if (heldAsText(type)) {
                // An enum or unknown type (inet, say) is text in the target: both sides compare and name the
                // key by its output text, which is what the target holds (inet::text would add a /32).
                String text = "format('%s', " + quote(k) + ")";
                keys.add(text + " COLLATE \"C\"");
                texts.add(text);
            } else {
                keys.add(quote(k) + (type.kind() == TypeKind.TEXT ? " COLLATE \"C\"" : ""));
                texts.add(quote(k) + "::text");
            }
        }
        this.keyList = String.join(", ", keys);
        this.keyTexts = String.join(", ", texts);
        this.keyWidth = texts.size();
    }

    public Result compare(Connection source, Connection target) throws SQLException {
        long sourceRows = count(source, sourceTable);
        long targetRows = count(target, targetTable);
        List<String[]> bounds = boundaries(source);
        List<Difference> differences = new ArrayList<>();
        int differing = 0;
        for (int i = 0; i <= bounds.size(); i++) {
            String[] lo = i == 0 ? null : bounds.get(i - 1);
            String[] hi = i == bounds.size() ? null : bounds.get(i);
            String s = checksum(source, sourceTable, lo, hi);
            String t = checksum(target, targetTable, lo, hi);
            if (!Objects.equals(s, t)) {
                differing++;
                if (differences.size() < maxDifferences) {
                    diffRows(source, target, lo, hi, differences);
                }
            }
        }
        if (differences.size() > maxDifferences) {
            differences = differences.subList(0, maxDifferences);
        }
        return new Result(schema.table(), sourceRows, targetRows, bounds.size() + 1, differing,
                List.copyOf(differences));
    }

    private static long count(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + table);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Every chunkRows-th key of the source, in key order: the upper bounds of all ranges but the last. */
    private List<String[]> boundaries(Connection source) throws SQLException {
        List<String[]> bounds = new ArrayList<>();
        String[] last = null;
        while (true) {
            String sql = "SELECT " + keyTexts() + " FROM " + sourceTable + where(last, null)
                    + " ORDER BY " + keyList + " LIMIT 1 OFFSET " + (chunkRows - 1);
            try (PreparedStatement ps = source.prepareStatement(sql)) {
                bind(ps, last, null);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return bounds;
                    }
                    last = keyOf(rs, 1);
                    bounds.add(last);
                }
            }
        }
    }

    private String checksum(Connection c, String table, String[] lo, String[] hi) throws SQLException {
        String sql = "SELECT md5(string_agg(" + rowExpression + ", E'\\n' ORDER BY " + keyList + ")) FROM "
                + table + where(lo, hi);
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, lo, hi);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private void diffRows(Connection source, Connection target, String[] lo, String[] hi, List<Difference> out)
            throws SQLException {
        Map<String, String> s = rows(source, sourceTable, lo, hi);
        Map<String, String> t = rows(target, targetTable, lo, hi);
        TreeSet<String> keys = new TreeSet<>(s.keySet());
        keys.addAll(t.keySet());
        for (String key : keys) {
            String a = s.get(key);
            String b = t.get(key);
            if (!Objects.equals(a, b)) {
                out.add(new Difference(key, a, b));
            }
        }
    }

    private Map<String, String> rows(Connection c, String table, String[] lo, String[] hi) throws SQLException {
        Map<String, String> rows = new LinkedHashMap<>();
        String sql = "SELECT " + keyTexts() + ", " + rowExpression + " FROM " + table + where(lo, hi)
                + " ORDER BY " + keyList;
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, lo, hi);
            try (ResultSet rs = ps.executeQuery()) {
                int n = keyWidth;
                while (rs.next()) {
                    rows.put(String.join(", ", keyOf(rs, 1)), rs.getString(n + 1));
                }
            }
        }
        return rows;
    }

    private String keyTexts() {
        return keyTexts;
    }

    /** Whether a PostgreSQL target holds the type as text (or an array of text), so it sorts as text there. */
    private static boolean heldAsText(ColumnType type) {
        while (type.kind() == TypeKind.ARRAY) {
            type = type.element();
        }
        return type.kind() == TypeKind.ENUM || type.kind() == TypeKind.UNKNOWN;
    }

    private String[] keyOf(ResultSet rs, int first) throws SQLException {
        String[] key = new String[keyWidth];
        for (int i = 0; i < key.length; i++) {
            key[i] = rs.getString(first + i);
        }
        return key;
    }

    private String where(String[] lo, String[] hi) {
        List<String> parts = new ArrayList<>();
        String placeholders = "(" + String.join(", ", java.util.Collections.nCopies(keyWidth, "?")) + ")";
        if (lo != null) {
            parts.add("(" + keyList + ") > " + placeholders);
        }
        if (hi != null) {
            parts.add("(" + keyList + ") <= " + placeholders);
        }
        return parts.isEmpty() ? "" : " WHERE " + String.join(" AND ", parts);
    }

    /** Keys travel as text typed "unknown", so each side casts them to its own column type. */
    private static void bind(PreparedStatement ps, String[] lo, String[] hi) throws SQLException {
        int i = 1;
        if (lo != null) {
            for (String v : lo) {
                ps.setObject(i++, v, Types.OTHER);
            }
        }
        if (hi != null) {
            for (String v : hi) {
                ps.setObject(i++, v, Types.OTHER);
            }
        }
    }

    private static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}
