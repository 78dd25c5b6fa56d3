package io.ferry.clickhouse;

import io.ferry.core.Column;
import io.ferry.core.FerryException;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.core.config.SinkConfig;
import io.ferry.core.connector.TargetTables;
import io.ferry.core.schema.SchemaChanges;
import io.ferry.core.verify.KeyOrder;
import io.ferry.core.verify.RowSource;
import java.util.ArrayList;
import java.util.List;

/**
 * The sink's tables as {@code ferry verify} reads them: the {@code FINAL}, non-deleted state of each, with the
 * source's schema, in {@link KeyOrder} (text compares as bytes, which is code point order; UUIDs as their text).
 * A table without a key is read whole, each row as many times as its {@code _ferry_sign}s add up to.
 */
final class ClickHouseRows implements TargetTables {

    private final ClickHouseHttp http;
    private final String database;
    private ServerVersion server;

    ClickHouseRows(SinkConfig config) {
        this.http = new ClickHouseHttp(config);
        this.database = config.database();
    }

    @Override
    public RowSource rows(TableSchema source) {
        if (server == null) {
            server = http.version();
        }
        String name = source.table().table();
        TableCatalog catalog = new TableCatalog(http, database, server, false, SchemaChanges.DEFAULT);
        TargetTable table = catalog.read(name);
        if (table == null) {
            throw new FerryException("target table " + database + "." + name + " does not exist on ClickHouse "
                    + http.target());
        }
        return new TableReader(table, source);
    }

    /** Pages one table. */
    private final class TableReader implements RowSource {
        private final TargetTable table;
        private final TableSchema source;
        private final String select;
        private final List<String> keyExprs = new ArrayList<>();

        TableReader(TargetTable table, TableSchema source) {
            this.table = table;
            this.source = source;
            List<String> cols = new ArrayList<>();
            for (Column c : source.columns()) {
                cols.add(table.has(c.name()) ? ClickHouseHttp.quote(c.name()) : "NULL");
            }
            if (table.keyless() || source.primaryKey().isEmpty()) {
                String list = String.join(", ", cols);
                String grouped = table.keyless() ? list + ", sum(" + TargetTable.SIGN + ") AS _n FROM "
                        + table.qualified() + " FINAL GROUP BY " + list + " HAVING _n > 0"
                        : list + ", 1 FROM " + table.qualified() + " FINAL WHERE " + TargetTable.DELETED + " = 0";
                this.select = "SELECT " + grouped;
                return;
            }
            for (int k : source.keyIndexes()) {
                Column c = source.columns().get(k);
                String q = ClickHouseHttp.quote(c.name());
                keyExprs.add(c.type().kind() == TypeKind.UUID ? "toString(" + q + ")" : q);
            }
            this.select = "SELECT " + String.join(", ", cols) + " FROM " + table.qualified() + " FINAL WHERE "
                    + TargetTable.DELETED + " = 0";
        }

        @Override
        public List<Object[]> rows(Object[] after, Object[] through, int limit) {
            List<Column> columns = source.columns();
            List<Object[]> out = new ArrayList<>();
            if (keyExprs.isEmpty()) {
                for (byte[][] r : http.query(select)) {
                    Object[] row = decode(r, columns);
                    long n = Long.parseLong(new String(r[columns.size()], java.nio.charset.StandardCharsets.UTF_8));
                    for (long i = 0; i < n; i++) {
                        out.add(row);
                    }
                }
                return out;
            }
            StringBuilder sql = new StringBuilder(select);
            String keys = "(" + String.join(", ", keyExprs) + ")";
            if (after != null) {
                sql.append(" AND ").append(keys).append(" > ").append(literals(after));
            }
            if (through != null) {
                sql.append(" AND ").append(keys).append(" <= ").append(literals(through));
            }
            sql.append(" ORDER BY ").append(String.join(", ", keyExprs)).append(" LIMIT ").append(limit);
            for (byte[][] r : http.query(sql.toString())) {
                out.add(decode(r, columns));
            }
            return out;
        }

        private Object[] decode(byte[][] r, List<Column> columns) {
            Object[] row = new Object[columns.size()];
            for (int i = 0; i < row.length; i++) {
                row[i] = r[i] == null ? null : CellText.read(r[i], columns.get(i).type());
            }
            return row;
        }

        private String literals(Object[] key) {
            int[] idx = source.keyIndexes();
            List<String> lits = new ArrayList<>();
            for (int k = 0; k < key.length; k++) {
                Column c = source.columns().get(idx[k]);
                if (c.type().kind() == TypeKind.UUID) {
                    lits.add(ClickHouseHttp.literal(key[k].toString()));
                } else {
                    TargetTable.TargetColumn tc = table.column(c.name());
                    lits.add(KeyLiterals.of(key[k], c, tc == null ? "String" : tc.baseType(), server));
                }
            }
            return "(" + String.join(", ", lits) + ")";
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
