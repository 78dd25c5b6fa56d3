package io.ferry.mysql;

import io.ferry.core.Column;
import io.ferry.core.FerryException;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.core.config.SourceConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * A captured table's columns and its shape (version 0 and no column ids until announced). The shape's key is
 * the table's primary key ({@link #catalogKey}), else the {@code source.key-columns} configured for it, else
 * empty: the whole row identifies a row.
 */
final class TableDef {

    final TableId id;
    final List<MySqlColumn> columns;
    final TableSchema shape;
    /** Whether the key is the table's own primary key, so unique; configured key columns need not be. */
    final boolean catalogKey;

    TableDef(TableId id, List<MySqlColumn> columns, List<String> primaryKey) {
        this(id, columns, primaryKey, !primaryKey.isEmpty());
    }

    private TableDef(TableId id, List<MySqlColumn> columns, List<String> key, boolean catalogKey) {
        this.id = id;
        this.columns = List.copyOf(columns);
        List<Column> cols = new ArrayList<>();
        for (MySqlColumn c : columns) {
            // A zero date arrives as NULL, even in a NOT NULL column (permissive sql_mode); a key column keeps its own.
            boolean dates = c.kind == TypeKind.DATE || c.kind == TypeKind.TIMESTAMP || c.kind == TypeKind.TIMESTAMPTZ;
            cols.add(new Column(c.name, c.type(), c.nullable || dates && !key.contains(c.name)));
        }
        this.shape = new TableSchema(id, 0, cols, key);
        this.catalogKey = catalogKey;
    }

    /**
     * This table keyed for capture: a table without a primary key takes the key columns configured for it, which
     * must exist; with none configured it stays keyless.
     */
    TableDef keyed(SourceConfig config) {
        if (catalogKey) {
            return this;
        }
        List<String> configured = config.keyColumnsOf(id, config.database());
        if (configured.isEmpty()) {
            return shape.primaryKey().isEmpty() ? this : new TableDef(id, columns, List.of(), false);
        }
        for (String k : configured) {
            if (shape.indexOf(k) < 0) {
                throw new FerryException("source.key-columns names column \"" + k + "\" for table \"" + id + "\", which"
                        + " has no such column (it has " + columnNames() + "); fix source.key-columns", null, false);
            }
        }
        return new TableDef(id, columns, configured, false);
    }

    List<String> columnNames() {
        return shape.columnNames();
    }
}
