package io.ferry.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One version of a table's shape. Row images in {@link ChangeEvent} are arrays aligned with
 * {@link #columns()}. A source publishes a new version, with a higher {@link #version()}, before the first
 * event that uses it.
 *
 * @param primaryKey names of the key columns in key order; empty for a table captured without a key
 *                   (its events then key on the whole row)
 */
public record TableSchema(TableId table, int version, List<Column> columns, List<String> primaryKey) {

    public TableSchema {
        Objects.requireNonNull(table, "table");
        columns = List.copyOf(columns);
        primaryKey = List.copyOf(primaryKey);
        for (String k : primaryKey) {
            if (indexOf(columns, k) < 0) {
                throw new IllegalArgumentException("key column " + k + " is not a column of " + table);
            }
        }
    }

    /** The index of the named column, or -1. */
    public int indexOf(String column) {
        return indexOf(columns, column);
    }

    /** Indexes of the key columns in key order; all columns when the table has no key. */
    public int[] keyIndexes() {
        if (primaryKey.isEmpty()) {
            int[] all = new int[columns.size()];
            for (int i = 0; i < all.length; i++) {
                all[i] = i;
            }
            return all;
        }
        int[] idx = new int[primaryKey.size()];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = indexOf(primaryKey.get(i));
        }
        return idx;
    }

    /** Same table, same columns and key: a source re-announcing a table need not bump the version. */
    public boolean sameShapeAs(TableSchema other) {
        return table.equals(other.table) && columns.equals(other.columns) && primaryKey.equals(other.primaryKey);
    }

    /** This shape under another version number. */
    public TableSchema withVersion(int newVersion) {
        return new TableSchema(table, newVersion, columns, primaryKey);
    }

    public List<String> columnNames() {
        List<String> names = new ArrayList<>(columns.size());
        for (Column c : columns) {
            names.add(c.name());
        }
        return names;
    }

    private static int indexOf(List<Column> columns, String name) {
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }
}
