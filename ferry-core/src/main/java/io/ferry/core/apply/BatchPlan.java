package io.ferry.core.apply;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Operation;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A batch of events reduced to what the target must do, in an order that keeps each key's (and each
 * table's) order. Consecutive events of one table and one schema version form a {@link Rows} step that
 * holds, per key, only the final state: deleted, or upserted with the latest image. A truncate ends the
 * table's step and a new schema version starts a new one; steps of different tables may interleave.
 *
 * <p>Inside a {@link Rows} step the target applies all deletes first, then all upserts: a key that was
 * deleted and then written again in the batch appears in both, so the upsert lands on a fresh row.
 *
 * <p>Events of a table without a primary key are not reduced: identical rows may exist, so each event counts.
 * They form {@link InOrder} steps instead.
 */
public final class BatchPlan {

    /** One thing to do to the target, in order. */
    public sealed interface Step permits Truncate, Rows, InOrder {
        TableSchema schema();
    }

    /** Empty the table. */
    public record Truncate(TableSchema schema) implements Step {
    }

    /**
     * The net effect of a run of row events of one table.
     *
     * @param deletes key values (in primary-key order) of rows to delete first
     * @param upserts full row images (aligned with the schema's columns) to upsert; a slot may hold
     *                {@link ChangeEvent#UNCHANGED}, which means "leave the target's value"
     * @param insertsOnly every event of the run inserted or read a row ({@code c}, {@code r}): there are no
     *                deletes, and each upsert is a plain insert unless the target already holds its key (a
     *                snapshot read again, or rows that were there before the snapshot)
     */
    public record Rows(TableSchema schema, List<Object[]> deletes, List<Object[]> upserts, boolean insertsOnly)
            implements Step {
    }

    /** A run of row events of a table without a primary key, to apply one by one in this order. */
    public record InOrder(TableSchema schema, List<ChangeEvent> events) implements Step {
    }

    private BatchPlan() {
    }

    public static List<Step> of(List<ChangeEvent> events) {
        List<Object> steps = new ArrayList<>();
        Map<TableId, Run> open = new HashMap<>();
        for (ChangeEvent e : events) {
            TableId table = e.table();
            if (e.op() == Operation.TRUNCATE) {
                open.remove(table);
                steps.add(new Truncate(e.schema()));
                continue;
            }
            Run run = open.get(table);
            if (run == null || run.schema.version() != e.schema().version()) {
                run = new Run(e.schema());
                open.put(table, run);
                steps.add(run);
            }
            run.add(e);
        }
        List<Step> out = new ArrayList<>(steps.size());
        for (Object s : steps) {
            out.add(s instanceof Run r ? r.toStep() : (Step) s);
        }
        return out;
    }

    /** The final state of one key in a run. */
    private static final class KeyState {
        Object[] upsert;
        Object[] deleteKey;
    }

    private static final class Run {
        final TableSchema schema;
        final int[] keyIndexes;
        final Map<Key, KeyState> keys = new LinkedHashMap<>();
        /** The events themselves, for a table without a key; null for a keyed table. */
        final List<ChangeEvent> inOrder;
        boolean insertsOnly = true;

        Run(TableSchema schema) {
            this.schema = schema;
            this.keyIndexes = schema.keyIndexes();
            this.inOrder = schema.primaryKey().isEmpty() ? new ArrayList<>() : null;
        }

        void add(ChangeEvent e) {
            if (inOrder != null) {
                inOrder.add(e);
                return;
            }
            insertsOnly &= e.op() == Operation.CREATE || e.op() == Operation.READ;
            if (e.op() == Operation.DELETE) {
                delete(keyValues(e.keyImage()));
                return;
            }
            Object[] after = e.after();
            Object[] afterKey = keyValues(after);
            if (e.before() != null) {
                Object[] beforeKey = keyValues(e.before());
                if (!hasUnknown(beforeKey) && !new Key(beforeKey).equals(new Key(afterKey))) {
                    delete(beforeKey);
                }
            }
            KeyState state = keys.computeIfAbsent(new Key(afterKey), k -> new KeyState());
            if (state.upsert == null) {
                state.upsert = after;
                return;
            }
            Object[] merged = after.clone();
            for (int i = 0; i < merged.length; i++) {
                if (merged[i] == ChangeEvent.UNCHANGED) {
                    merged[i] = state.upsert[i];
                }
            }
            state.upsert = merged;
        }

        private void delete(Object[] keyValues) {
            KeyState state = keys.computeIfAbsent(new Key(keyValues), k -> new KeyState());
            state.upsert = null;
            state.deleteKey = keyValues;
        }

        private Object[] keyValues(Object[] image) {
            Object[] k = new Object[keyIndexes.length];
            for (int i = 0; i < k.length; i++) {
                k[i] = image[keyIndexes[i]];
            }
            return k;
        }

        private static boolean hasUnknown(Object[] values) {
            for (Object v : values) {
                if (v == null || v == ChangeEvent.UNCHANGED) {
                    return true;
                }
            }
            return false;
        }

        Step toStep() {
            return inOrder != null ? new InOrder(schema, List.copyOf(inOrder)) : toRows();
        }

        private Rows toRows() {
            List<Object[]> deletes = new ArrayList<>();
            List<Object[]> upserts = new ArrayList<>(keys.size());
            for (KeyState s : keys.values()) {
                if (s.deleteKey != null) {
                    deletes.add(s.deleteKey);
                }
                if (s.upsert != null) {
                    upserts.add(s.upsert);
                }
            }
            return new Rows(schema, deletes, upserts, insertsOnly && deletes.isEmpty());
        }
    }

    /** Key values compared by content; numerics by value, since 1.0 and 1.00 are one key in a decimal column. */
    private static final class Key {
        private final Object[] values;
        private final int hash;

        Key(Object[] values) {
            Object[] v = values.clone();
            for (int i = 0; i < v.length; i++) {
                if (v[i] instanceof BigDecimal d) {
                    v[i] = d.signum() == 0 ? BigDecimal.ZERO : d.stripTrailingZeros();
                }
            }
            this.values = v;
            this.hash = Arrays.deepHashCode(v);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && hash == k.hash && Arrays.deepEquals(values, k.values);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
