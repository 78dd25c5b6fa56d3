package io.ferry.clickhouse;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Column;
import io.ferry.core.Operation;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rows one batch writes into one table. A keyed table gets, per key, one row: the newest state in the batch,
 * or a tombstone ({@code _ferry_deleted = 1}) carrying only the key; earlier states of the key in the batch would
 * lose to it anyway. A table without a key gets one row per image: the before image with {@code _ferry_sign -1}
 * (an update's or delete's removal of one equal row), the after image with {@code +1}. A truncate drops what the
 * batch collected for the table before it, since the table is emptied first.
 */
final class TableRows {

    /** One row to insert: projected values, version, deleted flag (or sign), and the event it came from. */
    static final class Row {
        final Object[] values;
        final long version;
        final int flag;
        final int index;

        Row(Object[] values, long version, int flag, int index) {
            this.values = values;
            this.version = version;
            this.flag = flag;
            this.index = index;
        }

        boolean hasUnchanged() {
            for (Object v : values) {
                if (v == ChangeEvent.UNCHANGED) {
                    return true;
                }
            }
            return false;
        }
    }

    final TargetTable table;
    private WriteShape shape;
    private boolean truncated;
    private final Map<Key, Row> byKey = new LinkedHashMap<>();
    private final List<Row> inOrder = new ArrayList<>();

    TableRows(TargetTable table) {
        this.table = table;
    }

    /** The columns written, aligned with every row's values: the latest shape's. */
    List<Column> columns() {
        return shape.columns();
    }

    WriteShape shape() {
        return shape;
    }

    boolean truncated() {
        return truncated;
    }

    List<Row> rows() {
        return table.keyless() ? inOrder : new ArrayList<>(byKey.values());
    }

    void truncate() {
        truncated = true;
        byKey.clear();
        inOrder.clear();
    }

    void add(ChangeEvent e, WriteShape s, long version, int index) {
        if (shape != null && !s.columns().equals(shape.columns())) {
            realign(s);
        }
        shape = s;
        if (table.keyless()) {
            addKeyless(e, version, index);
            return;
        }
        if (e.op() == Operation.DELETE) {
            tombstone(s.project(e.keyImage()), version, index);
            return;
        }
        Object[] after = s.project(e.after());
        if (e.before() != null) {
            Object[] before = s.project(e.before());
            Key old = new Key(s.key(before));
            if (!old.hasUnknown() && !old.equals(new Key(s.key(after)))) {
                tombstone(before, version, index);
            }
        }
        Key key = new Key(s.key(after));
        Row previous = byKey.get(key);
        if (previous != null && hasUnchanged(after)) {
            after = after.clone();
            for (int i = 0; i < after.length; i++) {
                if (after[i] == ChangeEvent.UNCHANGED) {
                    after[i] = previous.flag == 1 ? null : previous.values[i];
                }
            }
        }
        byKey.put(key, new Row(after, version, 0, index));
    }

    private void tombstone(Object[] image, long version, int index) {
        Object[] values = new Object[image.length];
        for (int k : shape.keyAt()) {
            values[k] = image[k];
        }
        byKey.put(new Key(shape.key(image)), new Row(values, version, 1, index));
    }

    /** Offsets are below 2^62, so twice one plus one still fits a ClickHouse UInt64 and a Java long. */
    private void addKeyless(ChangeEvent e, long version, int index) {
        if (e.before() != null && e.op() != Operation.CREATE && e.op() != Operation.READ) {
            inOrder.add(new Row(shape.project(e.before()), version * 2, -1, index));
        }
        if (e.after() != null) {
            Object[] after = shape.project(e.after());
            if (e.before() != null && hasUnchanged(after)) {
                Object[] before = shape.project(e.before());
                after = after.clone();
                for (int i = 0; i < after.length; i++) {
                    if (after[i] == ChangeEvent.UNCHANGED) {
                        after[i] = before[i];
                    }
                }
            }
            inOrder.add(new Row(after, version * 2 + 1, 1, index));
        }
    }

    /** A newer schema version in the same batch: earlier rows are re-laid onto its columns by name. */
    private void realign(WriteShape next) {
        List<Column> oldCols = shape.columns();
        int[] map = new int[next.columns().size()];
        for (int i = 0; i < map.length; i++) {
            map[i] = -1;
            for (int j = 0; j < oldCols.size(); j++) {
                if (oldCols.get(j).name().equals(next.columns().get(i).name())) {
                    map[i] = j;
                }
            }
        }
        byKey.replaceAll((k, r) -> new Row(move(r.values, map), r.version, r.flag, r.index));
        inOrder.replaceAll(r -> new Row(move(r.values, map), r.version, r.flag, r.index));
    }

    private static Object[] move(Object[] values, int[] map) {
        Object[] out = new Object[map.length];
        for (int i = 0; i < map.length; i++) {
            out[i] = map[i] < 0 ? null : values[map[i]];
        }
        return out;
    }

    private static boolean hasUnchanged(Object[] row) {
        for (Object v : row) {
            if (v == ChangeEvent.UNCHANGED) {
                return true;
            }
        }
        return false;
    }

    /** Key values compared by content; decimals by value, bytes by content. */
    static final class Key {
        private final Object[] values;
        private final int hash;

        Key(Object[] values) {
            Object[] v = values.clone();
            for (int i = 0; i < v.length; i++) {
                if (v[i] instanceof BigDecimal d) {
                    v[i] = d.signum() == 0 ? BigDecimal.ZERO : d.stripTrailingZeros();
                } else if (v[i] instanceof byte[] b) {
                    v[i] = ByteBuffer.wrap(b);
                }
            }
            this.values = v;
            this.hash = Arrays.deepHashCode(v);
        }

        boolean hasUnknown() {
            for (Object v : values) {
                if (v == null || v == ChangeEvent.UNCHANGED) {
                    return true;
                }
            }
            return false;
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
