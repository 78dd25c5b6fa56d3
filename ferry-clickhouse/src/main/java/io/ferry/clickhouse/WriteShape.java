package io.ferry.clickhouse;

import io.ferry.core.Column;
import io.ferry.core.FerryException;
import io.ferry.core.TableSchema;
import java.util.ArrayList;
import java.util.List;

/**
 * How rows of one source schema version land in a target table: {@link #columns()} are the source columns the
 * target has (named as the target names them), {@link #from()} their indexes in the source row image, and
 * {@link #keyAt()} the positions of the target's key columns among them.
 */
record WriteShape(TargetTable table, List<Column> columns, int[] from, int[] keyAt) {

    /**
     * The shape of {@code source}'s rows in {@code table}. A column is found by the name it has in {@code newest}
     * (the newest version the target was brought to), matched by column id, so rows written before a rename land
     * in the renamed column.
     */
    static WriteShape of(TableSchema source, TargetTable table, TableSchema newest) {
        List<Column> kept = new ArrayList<>();
        List<Integer> from = new ArrayList<>();
        for (int i = 0; i < source.columns().size(); i++) {
            Column col = source.columns().get(i);
            String name = nameIn(newest, col);
            if (table.has(name)) {
                kept.add(col.withName(name));
                from.add(i);
            }
        }
        int[] keyAt = new int[table.key().size()];
        for (int k = 0; k < keyAt.length; k++) {
            keyAt[k] = -1;
            for (int j = 0; j < kept.size(); j++) {
                if (kept.get(j).name().equals(table.key().get(k))) {
                    keyAt[k] = j;
                }
            }
            if (keyAt[k] < 0) {
                throw new FerryException("target table " + table.display() + " is sorted by " + table.key().get(k)
                        + ", which rows of " + source.table() + " (schema version " + source.version()
                        + ") do not carry; change the table's ORDER BY or let sink.schema-changes re-key it", null,
                        false);
            }
        }
        return new WriteShape(table, List.copyOf(kept), from.stream().mapToInt(Integer::intValue).toArray(), keyAt);
    }

    private static String nameIn(TableSchema newest, Column col) {
        if (newest != null && col.id() != 0) {
            for (Column n : newest.columns()) {
                if (n.id() == col.id()) {
                    return n.name();
                }
            }
        }
        return col.name();
    }

    /** {@code row} aligned with {@link #columns()}. */
    Object[] project(Object[] row) {
        Object[] out = new Object[from.length];
        for (int i = 0; i < from.length; i++) {
            out[i] = row[from[i]];
        }
        return out;
    }

    /** The key values of a projected row, in key order. */
    Object[] key(Object[] projected) {
        Object[] k = new Object[keyAt.length];
        for (int i = 0; i < k.length; i++) {
            k[i] = projected[keyAt[i]];
        }
        return k;
    }
}
