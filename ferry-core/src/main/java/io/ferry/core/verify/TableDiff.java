package io.ferry.core.verify;

import io.ferry.core.FerryException;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compares one table between two {@link RowSource}s, whatever databases they read: walks the source in key order
 * a chunk of {@code chunkRows} rows at a time; reads the target rows of the same key range (after the previous
 * chunk's last key, up to this chunk's last key; the last range is open-ended so extra target rows at the end
 * are seen); hashes each side's rows in {@link CanonicalValues} form (SHA-256); and, only in ranges whose hashes
 * differ, merge-walks both sides by key to name each missing, extra or changed row. Rows are counted as they are
 * read, so counts and checksums describe the same reads.
 *
 * <p>A table without a key (an empty {@link TableSchema#primaryKey()}, identified by its whole row) may hold equal
 * rows several times and has no order to page by: each side is read whole (one {@code rows(null, null,
 * Integer.MAX_VALUE)} call, in any order) and compared as a multiset of canonical rows, so it must fit in memory.
 */
public final class TableDiff {

    /** One key whose row differs; a side's row is null when the key is missing there. */
    public record Difference(String key, String sourceRow, String targetRow) {
    }

    /** The outcome for one table. */
    public record Result(TableId table, long sourceRows, long targetRows, int chunks, int chunksDiffering,
                         List<Difference> differences) {
        public boolean matches() {
            return sourceRows == targetRows && chunksDiffering == 0 && differences.isEmpty();
        }
    }

    private final TableSchema schema;
    private final int chunkRows;
    private final int maxDifferences;
    private final int[] keyIndexes;
    private final Comparator<Object[]> keyOrder;

    /**
     * @param schema the source's table schema: its kinds say how both sides' values compare
     * @throws FerryException when a key column's kind cannot be ordered alike on every database
     */
    public TableDiff(TableSchema schema, int chunkRows, int maxDifferences) {
        String unsupported = schema.primaryKey().isEmpty() ? null : KeyOrder.unsupportedReason(schema);
        if (unsupported != null) {
            throw new FerryException("cannot verify " + schema.table() + ": " + unsupported);
        }
        if (chunkRows < 1) {
            throw new IllegalArgumentException("chunkRows must be positive");
        }
        this.schema = schema;
        this.chunkRows = chunkRows;
        this.maxDifferences = maxDifferences;
        this.keyIndexes = schema.keyIndexes();
        this.keyOrder = schema.primaryKey().isEmpty() ? null : KeyOrder.of(schema);
    }

    public Result compare(RowSource source, RowSource target) {
        if (keyOrder == null) {
            return compareWholeRows(source.rows(null, null, Integer.MAX_VALUE),
                    target.rows(null, null, Integer.MAX_VALUE));
        }
        long sourceRows = 0;
        long targetRows = 0;
        int chunks = 0;
        int differing = 0;
        List<Difference> differences = new ArrayList<>();
        Object[] lo = null;
        while (true) {
            List<Object[]> s = source.rows(lo, null, chunkRows);
            checkOrder(s, lo, "source");
            Object[] hi = s.size() < chunkRows ? null : keyOf(s.get(s.size() - 1));
            List<Object[]> t = readRange(target, lo, hi);
            chunks++;
            sourceRows += s.size();
            targetRows += t.size();
            if (!Arrays.equals(hash(s), hash(t))) {
                differing++;
                if (differences.size() < maxDifferences) {
                    diff(s, t, differences);
                }
            }
            if (hi == null) {
                break;
            }
            lo = hi;
        }
        return new Result(schema.table(), sourceRows, targetRows, chunks, differing,
                List.copyOf(differences.size() > maxDifferences ? differences.subList(0, maxDifferences) : differences));
    }

    /** Both sides as multisets of canonical rows: a row differs when it is there more often on one side. */
    private Result compareWholeRows(List<Object[]> s, List<Object[]> t) {
        Map<String, Integer> balance = new LinkedHashMap<>();
        Map<String, Object[]> example = new HashMap<>();
        count(s, 1, balance, example);
        count(t, -1, balance, example);
        List<Difference> differences = new ArrayList<>();
        for (Map.Entry<String, Integer> e : balance.entrySet()) {
            int n = e.getValue();
            for (int i = 0; i < Math.abs(n) && differences.size() < maxDifferences; i++) {
                String row = CanonicalValues.format(example.get(e.getKey()));
                differences.add(new Difference("whole row", n > 0 ? row : null, n > 0 ? null : row));
            }
        }
        boolean differs = balance.values().stream().anyMatch(n -> n != 0);
        return new Result(schema.table(), s.size(), t.size(), 1, differs ? 1 : 0, List.copyOf(differences));
    }

    private void count(List<Object[]> rows, int sign, Map<String, Integer> balance, Map<String, Object[]> example) {
        for (Object[] row : rows) {
            String canonical = Base64.getEncoder().encodeToString(CanonicalValues.encode(schema, row));
            balance.merge(canonical, sign, Integer::sum);
            example.putIfAbsent(canonical, row);
        }
    }

    /** All target rows in (lo, hi], page by page. */
    private List<Object[]> readRange(RowSource target, Object[] lo, Object[] hi) {
        List<Object[]> all = new ArrayList<>();
        Object[] after = lo;
        while (true) {
            List<Object[]> page = target.rows(after, hi, chunkRows);
            checkOrder(page, after, "target");
            if (hi != null && !page.isEmpty() && keyOrder.compare(keyOf(page.get(page.size() - 1)), hi) > 0) {
                throw new FerryException("the target returned a row of " + schema.table() + " beyond the requested key"
                        + " range; the database does not order the key as Ferry does");
            }
            all.addAll(page);
            if (page.size() < chunkRows) {
                return all;
            }
            after = keyOf(page.get(page.size() - 1));
        }
    }

    /** Rows must come strictly increasing in {@link KeyOrder}, else ranges would not mean the same rows. */
    private void checkOrder(List<Object[]> rows, Object[] after, String side) {
        Object[] prev = after;
        for (Object[] row : rows) {
            Object[] key = keyOf(row);
            if (prev != null && keyOrder.compare(prev, key) >= 0) {
                throw new FerryException("the " + side + " returned rows of " + schema.table() + " out of key order"
                        + " (key (" + CanonicalValues.formatKey(key) + ") after (" + CanonicalValues.formatKey(prev)
                        + ")); verify needs binary (code point) ordering of text keys on both sides");
            }
            prev = key;
        }
    }

    private byte[] hash(List<Object[]> rows) {
        MessageDigest md = sha256();
        CanonicalValues.Out out = new CanonicalValues.Out();
        for (Object[] row : rows) {
            out.reset();
            CanonicalValues.encodeRow(schema, row, out);
            md.update(out.buffer(), 0, out.size());
        }
        return md.digest();
    }

    private void diff(List<Object[]> s, List<Object[]> t, List<Difference> out) {
        int i = 0;
        int j = 0;
        while ((i < s.size() || j < t.size()) && out.size() < maxDifferences) {
            Object[] a = i < s.size() ? s.get(i) : null;
            Object[] b = j < t.size() ? t.get(j) : null;
            int c = a == null ? 1 : b == null ? -1 : keyOrder.compare(keyOf(a), keyOf(b));
            if (c < 0) {
                out.add(new Difference(CanonicalValues.formatKey(keyOf(a)), CanonicalValues.format(a), null));
                i++;
            } else if (c > 0) {
                out.add(new Difference(CanonicalValues.formatKey(keyOf(b)), null, CanonicalValues.format(b)));
                j++;
            } else {
                if (!Arrays.equals(CanonicalValues.encode(schema, a), CanonicalValues.encode(schema, b))) {
                    out.add(new Difference(CanonicalValues.formatKey(keyOf(a)), CanonicalValues.format(a),
                            CanonicalValues.format(b)));
                }
                i++;
                j++;
            }
        }
    }

    /** The key values of a row, in key order. */
    public Object[] keyOf(Object[] row) {
        Object[] key = new Object[keyIndexes.length];
        for (int k = 0; k < key.length; k++) {
            key[k] = row[keyIndexes[k]];
        }
        return key;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
