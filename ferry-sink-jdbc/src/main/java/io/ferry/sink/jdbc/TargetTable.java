package io.ferry.sink.jdbc;

import java.util.List;
import java.util.Locale;

/**
 * A table as it exists in the target: its quoted name, its columns in order and its primary key.
 *
 * @param keyName    the name of the primary-key constraint, where the database names it; null without a key
 * @param foldedCase whether column names compare case-insensitively (MySQL)
 */
public record TargetTable(String namespace, String name, String qualified, List<TargetColumn> columns,
                          List<String> primaryKey, String keyName, boolean foldedCase) {

    public TargetTable {
        columns = List.copyOf(columns);
        primaryKey = List.copyOf(primaryKey);
    }

    /** {@code namespace.table} unquoted, for messages. */
    public String display() {
        return namespace + "." + name;
    }

    /** The column of that name (compared as the database compares column names); null when there is none. */
    public TargetColumn column(String column) {
        for (TargetColumn c : columns) {
            if (foldedCase ? c.name().equalsIgnoreCase(column) : c.name().equals(column)) {
                return c;
            }
        }
        return null;
    }

    public boolean has(String column) {
        return column(column) != null;
    }

    /** The type to cast a parameter of {@code column} to. */
    public String castType(String column) {
        return column(column).castType();
    }

    /** Whether the primary key is exactly these columns, in this order. */
    public boolean keyIs(List<String> key) {
        if (key.size() != primaryKey.size()) {
            return false;
        }
        for (int i = 0; i < key.size(); i++) {
            if (!fold(key.get(i)).equals(fold(primaryKey.get(i)))) {
                return false;
            }
        }
        return true;
    }

    private String fold(String s) {
        return foldedCase ? s.toLowerCase(Locale.ROOT) : s;
    }
}
