package io.ferry.core;

import java.util.Objects;

/**
 * One column of a {@link TableSchema}.
 *
 * @param id the source's stable identity of the column (PostgreSQL's attribute number; for MySQL/MariaDB one
 *           the source keeps in its schema history), unchanged by a rename; 0 when the source does not know it.
 *           Two versions of a table hold the same column where their ids match.
 */
public record Column(String name, ColumnType type, boolean nullable, int id) {

    public Column {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
    }

    /** A column whose identity the source does not track. */
    public Column(String name, ColumnType type, boolean nullable) {
        this(name, type, nullable, 0);
    }

    public Column withName(String newName) {
        return new Column(newName, type, nullable, id);
    }

    public Column withId(int newId) {
        return new Column(name, type, nullable, newId);
    }
}
