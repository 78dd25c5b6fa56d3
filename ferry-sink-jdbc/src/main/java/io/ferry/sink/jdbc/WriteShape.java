package io.ferry.sink.jdbc;

import io.ferry.core.Column;
import io.ferry.core.FerryException;
import io.ferry.core.TableSchema;
import java.util.ArrayList;
import java.util.List;

/**
 * How rows of one source schema version land in a target table: {@link #schema()} is the version seen through
 * the target (its columns named as the target names them, those the target lacks left out), and
 * {@link #project} turns a source row image into one aligned with it.
 *
 * @param columns for each column of {@link #schema()}, its index in the source row; null when they are the same
 */
record WriteShape(TargetTable table, TableSchema schema, int[] columns) {

    /**
     * The shape of {@code source}'s rows in {@code table}. A column is found by the name it has in {@code newest}
     * (the newest version the target was brought to), matched by column id, so rows written before a rename land
     * in the renamed column.
     */
    static WriteShape of(TableSchema source, TargetTable table, TableSchema newest) {
        List<Column> kept = new ArrayList<>();
        List<Integer> from = new ArrayList<>();
        boolean identity = true;
        for (int i = 0; i < source.columns().size(); i++) {
            Column col = source.columns().get(i);
            TargetColumn target = table.column(nameIn(newest, col));
            if (target == null) {
                identity = false;
                continue;
            }
            identity &= target.name().equals(col.name());
            kept.add(col.withName(target.name()));
            from.add(i);
        }
        if (identity) {
            return new WriteShape(table, source, null);
        }
        List<String> key = new ArrayList<>();
        for (int k : source.keyIndexes()) {
            int at = from.indexOf(k);
            if (at < 0 && !source.primaryKey().isEmpty()) {
                throw new FerryException("target table " + table.display() + " has no column for key column "
                        + source.columns().get(k).name() + " of " + source.table() + " (schema version "
                        + source.version() + "); add it to the target", null, false);
            }
            if (at >= 0 && !source.primaryKey().isEmpty()) {
                key.add(kept.get(at).name());
            }
        }
        int[] columns = from.stream().mapToInt(Integer::intValue).toArray();
        return new WriteShape(table, new TableSchema(source.table(), source.version(), kept, key), columns);
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

    /** {@code row} aligned with {@link #schema()}; the same array when nothing is left out or moved. */
    Object[] project(Object[] row) {
        if (columns == null || row == null) {
            return row;
        }
        Object[] out = new Object[columns.length];
        for (int i = 0; i < columns.length; i++) {
            out[i] = row[columns[i]];
        }
        return out;
    }
}
