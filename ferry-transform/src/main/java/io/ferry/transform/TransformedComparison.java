package io.ferry.transform;

import io.ferry.core.Column;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.config.PipelineConfig;
import io.ferry.core.verify.CanonicalValues;
import io.ferry.core.verify.KeyOrder;
import io.ferry.core.verify.RowSource;
import io.ferry.core.verify.TableDiff;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code ferry verify} for a pipeline with transforms: each target table is compared with its source tables' rows
 * put through the same capture and apply transforms, so a filtered, masked or merged target verifies exactly.
 * Columns that depend on the event ({@code _deleted_at}, a computed column reading {@code op}, {@code commit_ts}
 * or {@code position}) are left out of the comparison; soft-deleted target rows are not compared; with
 * {@code deletes: skip}, target rows the source no longer has are not compared. Both sides are read whole, so a
 * table must fit in memory.
 */
public final class TransformedComparison {

    private final Transforms capture;
    private final Transforms apply;

    public TransformedComparison(PipelineConfig config) {
        this.capture = Transforms.capture(config);
        this.apply = Transforms.apply(config);
    }

    /** Whether any transform applies (else verify compares tables as they are). */
    public static boolean needed(PipelineConfig config) {
        return !config.transforms().isEmpty() || !config.sinkTransforms().isEmpty();
    }

    /** The tables Kafka holds: each source table's capture target, once. */
    public List<TableId> topicTables(List<TableSchema> sources) {
        Set<TableId> out = new java.util.LinkedHashSet<>();
        for (TableSchema t : sources) {
            out.add(capture.output(t).table());
        }
        return List.copyOf(out);
    }

    /** The source tables grouped by the target table their rows end up in. */
    public Map<TableSchema, List<TableSchema>> targets(List<TableSchema> sources) {
        Map<TableId, TableSchema> schemas = new LinkedHashMap<>();
        Map<TableSchema, List<TableSchema>> out = new LinkedHashMap<>();
        for (TableSchema s : sources) {
            TableSchema target = apply.output(capture.output(s));
            TableSchema first = schemas.computeIfAbsent(target.table(), k -> target);
            out.computeIfAbsent(first, k -> new ArrayList<>()).add(s);
        }
        return out;
    }

    /**
     * Compares one target table (a key of {@link #targets}) with its source tables.
     *
     * @param sourceRows the rows of a source table
     * @param target     the target table's rows, read with its full schema
     */
    public TableDiff.Result compare(TableSchema target, List<TableSchema> sources,
                                    Function<TableSchema, RowSource> sourceRows, RowSource targetRows,
                                    int chunkRows, int maxDifferences) {
        Set<String> skipped = new HashSet<>();
        boolean softDeletes = false;
        boolean skipsDeletes = false;
        List<Object[]> expected = new ArrayList<>();
        for (TableSchema s : sources) {
            TableTransform c = capture.of(s);
            TableSchema mid = c == null ? s : c.output();
            TableTransform a = apply.of(mid);
            for (TableTransform t : new TableTransform[]{c, a}) {
                if (t != null) {
                    skipped.addAll(t.unverifiable());
                    softDeletes |= t.softDeletes();
                    skipsDeletes |= t.skipsDeletes();
                }
            }
            for (Object[] row : sourceRows.apply(s).rows(null, null, Integer.MAX_VALUE)) {
                Object[] r = c == null ? row : c.row(row);
                r = r == null || a == null ? r : a.row(r);
                if (r != null) {
                    expected.add(r);
                }
            }
        }
        int deletedFlag = softDeletes ? target.indexOf(TableTransform.DELETED) : -1;
        List<Object[]> actual = new ArrayList<>();
        for (Object[] row : targetRows.rows(null, null, Integer.MAX_VALUE)) {
            if (deletedFlag < 0 || !Boolean.TRUE.equals(row[deletedFlag])) {
                actual.add(row);
            }
        }
        if (deletedFlag >= 0) {
            skipped.add(TableTransform.DELETED);
        }
        List<Integer> keep = new ArrayList<>();
        List<Column> columns = new ArrayList<>();
        for (int i = 0; i < target.columns().size(); i++) {
            Column col = target.columns().get(i);
            if (!skipped.contains(col.name()) || target.primaryKey().contains(col.name())) {
                keep.add(i);
                columns.add(col);
            }
        }
        TableSchema compared = new TableSchema(target.table(), target.version(), columns, target.primaryKey());
        List<Object[]> s = project(expected, keep);
        List<Object[]> t = project(actual, keep);
        if (skipsDeletes) {
            t = onlyKeysOf(compared, s, t);
        }
        return new TableDiff(compared, chunkRows, maxDifferences).compare(new SortedRows(compared, s),
                new SortedRows(compared, t));
    }

    private static List<Object[]> project(List<Object[]> rows, List<Integer> keep) {
        List<Object[]> out = new ArrayList<>(rows.size());
        for (Object[] r : rows) {
            Object[] p = new Object[keep.size()];
            for (int i = 0; i < p.length; i++) {
                p[i] = r[keep.get(i)];
            }
            out.add(p);
        }
        return out;
    }

    /** The target rows whose key the source still has: with deletes skipped the target keeps the others. */
    private static List<Object[]> onlyKeysOf(TableSchema schema, List<Object[]> source, List<Object[]> target) {
        int[] key = schema.keyIndexes();
        Set<String> keys = new HashSet<>();
        for (Object[] r : source) {
            keys.add(keyText(schema, key, r));
        }
        List<Object[]> out = new ArrayList<>();
        for (Object[] r : target) {
            if (keys.contains(keyText(schema, key, r))) {
                out.add(r);
            }
        }
        return out;
    }

    private static String keyText(TableSchema schema, int[] key, Object[] row) {
        List<Column> cols = new ArrayList<>();
        Object[] values = new Object[key.length];
        for (int i = 0; i < key.length; i++) {
            cols.add(schema.columns().get(key[i]));
            values[i] = row[key[i]];
        }
        TableSchema keyOnly = new TableSchema(schema.table(), 0, cols, List.of());
        return Base64.getEncoder().encodeToString(CanonicalValues.encode(keyOnly, values));
    }

    /** Rows held in memory, served in key order as {@link TableDiff} reads them. */
    private static final class SortedRows implements RowSource {
        private final List<Object[]> rows;
        private final int[] key;
        private final java.util.Comparator<Object[]> order;

        SortedRows(TableSchema schema, List<Object[]> rows) {
            this.key = schema.keyIndexes();
            this.order = schema.primaryKey().isEmpty() ? null : KeyOrder.of(schema);
            this.rows = new ArrayList<>(rows);
            if (order != null) {
                this.rows.sort((a, b) -> order.compare(keyOf(a), keyOf(b)));
            }
        }

        private Object[] keyOf(Object[] row) {
            Object[] k = new Object[key.length];
            for (int i = 0; i < k.length; i++) {
                k[i] = row[key[i]];
            }
            return k;
        }

        @Override
        public List<Object[]> rows(Object[] after, Object[] through, int limit) {
            if (order == null) {
                return rows;
            }
            List<Object[]> out = new ArrayList<>();
            for (Object[] r : rows) {
                Object[] k = keyOf(r);
                if (after != null && order.compare(k, after) <= 0) {
                    continue;
                }
                if (through != null && order.compare(k, through) > 0 || out.size() >= limit) {
                    break;
                }
                out.add(r);
            }
            return out;
        }
    }
}
