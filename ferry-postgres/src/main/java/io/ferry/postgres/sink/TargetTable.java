package io.ferry.postgres.sink;

import io.ferry.core.TableSchema;
import java.util.Map;

/**
 * A table as it exists in the target: its name and each column's type without modifiers (so
 * {@code character varying}, not {@code character varying(3)}), used in casts. Casts must not carry the
 * modifier: an explicit cast to {@code varchar(3)} silently truncates, while the assignment to the column
 * raises an error, which is what must happen to a value the target cannot hold.
 *
 * @param collatable names of columns whose type has a collation (text-like), for byte-order sorting
 */
record TargetTable(String schemaName, String name, Map<String, String> columnTypes, java.util.Set<String> collatable) {

    String qualified() {
        return Sql.qualified(schemaName, name);
    }

    /** {@code schema.table} unquoted, for messages. */
    String display() {
        return schemaName + "." + name;
    }

    boolean hasColumnsOf(TableSchema schema) {
        for (String c : schema.columnNames()) {
            if (!columnTypes.containsKey(c)) {
                return false;
            }
        }
        return true;
    }

    String type(String column) {
        return columnTypes.get(column);
    }

    /** {@code CAST(? AS <type of column>)}. */
    String placeholder(String column) {
        return "CAST(? AS " + columnTypes.get(column) + ")";
    }
}
