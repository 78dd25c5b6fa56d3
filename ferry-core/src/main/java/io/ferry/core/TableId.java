package io.ferry.core;

import java.util.Objects;

/**
 * A table's identity in its source: schema (or MySQL database) and table name, exactly as the catalog
 * spells them, including spaces, capitals, quotes and unicode.
 */
public record TableId(String schema, String table) implements Comparable<TableId> {

    public TableId {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(table, "table");
    }

    /** {@code schema.table} unquoted, as shown to people and used in the envelope. */
    @Override
    public String toString() {
        return schema + "." + table;
    }

    @Override
    public int compareTo(TableId o) {
        int c = schema.compareTo(o.schema);
        return c != 0 ? c : table.compareTo(o.table);
    }
}
