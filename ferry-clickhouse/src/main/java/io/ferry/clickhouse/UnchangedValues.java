package io.ferry.clickhouse;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Column;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Fills the values a source did not send because they did not change (an unchanged TOASTed PostgreSQL value)
 * with the row's current values in the table, read with {@code FINAL}; a key the table does not hold gets NULL.
 * During a replay the current row may be newer than the change being written; it then also has the higher
 * version, so the row written here never shows.
 */
final class UnchangedValues {

    private final ClickHouseHttp http;
    private final ServerVersion server;

    UnchangedValues(ClickHouseHttp http, ServerVersion server) {
        this.http = http;
        this.server = server;
    }

    void fill(TableRows t, List<TableRows.Row> rows) {
        List<TableRows.Row> wanting = new ArrayList<>();
        for (TableRows.Row r : rows) {
            if (r.flag == 0 && r.hasUnchanged()) {
                wanting.add(r);
            }
        }
        if (wanting.isEmpty()) {
            return;
        }
        WriteShape shape = t.shape();
        List<Column> columns = shape.columns();
        List<String> select = new ArrayList<>();
        for (Column c : columns) {
            select.add(ClickHouseHttp.quote(c.name()));
        }
        List<String> keyCols = new ArrayList<>();
        for (String k : t.table.key()) {
            keyCols.add(ClickHouseHttp.quote(k));
        }
        List<String> tuples = new ArrayList<>();
        for (TableRows.Row r : wanting) {
            Object[] key = shape.key(r.values);
            List<String> lits = new ArrayList<>();
            for (int k = 0; k < key.length; k++) {
                Column col = columns.get(shape.keyAt()[k]);
                lits.add(KeyLiterals.of(key[k], col, t.table.column(col.name()).baseType(), server));
            }
            tuples.add("(" + String.join(", ", lits) + ")");
        }
        Map<TableRows.Key, Object[]> current = new HashMap<>();
        for (byte[][] row : http.query("SELECT " + String.join(", ", select) + " FROM " + t.table.qualified()
                + " FINAL WHERE " + TargetTable.DELETED + " = 0 AND (" + String.join(", ", keyCols) + ") IN ("
                + String.join(", ", tuples) + ")")) {
            Object[] values = new Object[columns.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = row[i] == null ? null : CellText.read(row[i], columns.get(i).type());
            }
            current.put(new TableRows.Key(shape.key(values)), values);
        }
        for (TableRows.Row r : wanting) {
            Object[] now = current.get(new TableRows.Key(shape.key(r.values)));
            for (int i = 0; i < r.values.length; i++) {
                if (r.values[i] == ChangeEvent.UNCHANGED) {
                    r.values[i] = now == null ? null : now[i];
                }
            }
        }
    }
}
