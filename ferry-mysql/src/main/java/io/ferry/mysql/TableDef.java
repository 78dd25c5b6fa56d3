package io.ferry.mysql;

import io.ferry.core.Column;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import java.util.ArrayList;
import java.util.List;

/** A captured table's columns as the catalog described them, and its shape (version 0 until announced). */
final class TableDef {

    final TableId id;
    final List<MySqlColumn> columns;
    final TableSchema shape;

    TableDef(TableId id, List<MySqlColumn> columns, List<String> primaryKey) {
        this.id = id;
        this.columns = List.copyOf(columns);
        List<Column> cols = new ArrayList<>();
        for (MySqlColumn c : columns) {
            cols.add(new Column(c.name, c.type(), c.nullable));
        }
        this.shape = new TableSchema(id, 0, cols, primaryKey);
    }

    List<String> columnNames() {
        return shape.columnNames();
    }
}
