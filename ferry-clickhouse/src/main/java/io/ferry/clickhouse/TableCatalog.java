package io.ferry.clickhouse;

import io.ferry.core.Column;
import io.ferry.core.FerryException;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.schema.SchemaChangePolicy;
import io.ferry.core.schema.SchemaChanges;
import io.ferry.core.schema.SchemaDiff;
import io.ferry.core.schema.SchemaHistory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The sink's tables, {@code <database>.<source table name>}: creates them, brings them to newer schema versions by
 * the table's policy ({@link TableEvolution}), records in {@code ferry_schemas} the source version each holds, and
 * remembers how each version's rows land so that a version already seen costs no query.
 *
 * <p>A table with a key is {@code ReplacingMergeTree(_ferry_version[, _ferry_deleted]) ORDER BY (key)}; one
 * without is {@code ReplacingMergeTree(_ferry_version) ORDER BY _ferry_version} with a {@code _ferry_sign}
 * column, see {@link ClickHouseSink}.
 */
final class TableCatalog {

    private final ClickHouseHttp http;
    private final String database;
    private final ServerVersion server;
    private final boolean createTables;
    private final SchemaChanges policies;
    private final String versions;
    private final TableEvolution evolution;
    private final Map<TableSchema, WriteShape> known = new HashMap<>();
    private final Map<TableId, TableSchema> held = new HashMap<>();

    TableCatalog(ClickHouseHttp http, String database, ServerVersion server, boolean createTables,
                 SchemaChanges policies) {
        this.http = http;
        this.database = database;
        this.server = server;
        this.createTables = createTables;
        this.policies = policies;
        this.versions = ClickHouseHttp.quote(database) + "." + ClickHouseHttp.quote("ferry_schemas");
        this.evolution = new TableEvolution(http, server, this);
    }

    void createOwnTables() {
        http.execute("CREATE TABLE IF NOT EXISTS " + versions + " (table_name String, version Int32)"
                + " ENGINE = ReplacingMergeTree(version) ORDER BY table_name");
    }

    WriteShape cached(TableSchema source) {
        return known.get(source);
    }

    void forget() {
        known.clear();
        held.clear();
    }

    String display(TableId table) {
        return database + "." + table.table();
    }

    WriteShape ensure(TableSchema source, SchemaHistory history) {
        WriteShape shape = cached(source);
        if (shape != null) {
            return shape;
        }
        String name = source.table().table();
        TargetTable t = read(name);
        if (t == null) {
            t = evolution.finishRebuild(database, name);
        }
        int stored = storedVersion(name);
        SchemaChangePolicy policy = policies.policyFor(source.table());
        TableSchema newest = source;
        if (t == null) {
            if (!createTables) {
                throw new FerryException("target table " + display(source.table()) + " does not exist and "
                        + "sink.create-tables is false: create it, or set sink.create-tables: true");
            }
            http.execute(createStatement(database, name, source.columns(), source.primaryKey()));
            writeVersion(name, source.version());
            t = read(name);
        } else if (stored > source.version()) {
            TableSchema seen = held.get(source.table());
            newest = history.version(source.table(), stored)
                    .orElse(seen != null && seen.version() == stored ? seen : source);
        } else if (stored < source.version()) {
            TableSchema previous = stored < 0 ? null : history.version(source.table(), stored).orElse(null);
            t = change(t, previous, source, policy);
            if (policy != SchemaChangePolicy.IGNORE) {
                writeVersion(name, source.version());
            }
            known.keySet().removeIf(s -> s.table().equals(source.table()));
        }
        if (newest == source && stored <= source.version()) {
            held.put(source.table(), source);
        }
        shape = WriteShape.of(source, t, newest);
        known.put(source, shape);
        return shape;
    }

    private TargetTable change(TargetTable t, TableSchema previous, TableSchema source, SchemaChangePolicy policy) {
        if (previous != null && createTables) {
            return evolution.apply(t, SchemaDiff.between(previous, source), policy);
        }
        List<Column> missing = new ArrayList<>();
        for (Column col : source.columns()) {
            if (!t.has(col.name())) {
                missing.add(col);
            }
        }
        if (missing.isEmpty() || policy == SchemaChangePolicy.IGNORE) {
            return t;
        }
        if (policy == SchemaChangePolicy.STOP) {
            throw new FerryException("table " + t.display() + " (source " + source.table() + ") lacks columns "
                    + missing.stream().map(Column::name).toList() + " of the source and sink.schema-changes is stop"
                    + " for it", null, false);
        }
        if (!createTables) {
            throw new FerryException("target table " + t.display() + " lacks columns "
                    + missing.stream().map(Column::name).toList() + " and sink.create-tables is false: add them, or"
                    + " set sink.create-tables: true");
        }
        for (Column col : missing) {
            http.execute("ALTER TABLE " + t.qualified() + " ADD COLUMN " + ClickHouseHttp.quote(col.name()) + " "
                    + ClickHouseTypes.column(col.type(), server, false));
        }
        return read(t.name());
    }

    /** CREATE TABLE for source columns and a key (empty: a table without one). */
    String createStatement(String db, String name, List<Column> columns, List<String> key) {
        List<TargetTable.TargetColumn> typed = new ArrayList<>();
        for (Column c : columns) {
            typed.add(new TargetTable.TargetColumn(c.name(), ClickHouseTypes.of(c.type(), server)));
        }
        return createTyped(db, name, typed, key);
    }

    /** CREATE TABLE for columns of the given base types: key columns as they are, the others Nullable. */
    String createTyped(String db, String name, List<TargetTable.TargetColumn> columns, List<String> key) {
        StringBuilder sb = new StringBuilder("CREATE TABLE ").append(ClickHouseHttp.quote(db)).append('.')
                .append(ClickHouseHttp.quote(name)).append(" (");
        for (TargetTable.TargetColumn c : columns) {
            String base = c.baseType();
            sb.append(ClickHouseHttp.quote(c.name())).append(' ')
                    .append(key.contains(c.name()) ? base : "Nullable(" + base + ")").append(", ");
        }
        sb.append(TargetTable.VERSION).append(" UInt64, ");
        if (key.isEmpty()) {
            return sb.append(TargetTable.SIGN).append(" Int8) ENGINE = ReplacingMergeTree(")
                    .append(TargetTable.VERSION).append(") ORDER BY ").append(TargetTable.VERSION).toString();
        }
        sb.append(TargetTable.DELETED).append(" UInt8) ENGINE = ReplacingMergeTree(").append(TargetTable.VERSION);
        if (server.hasIsDeleted()) {
            sb.append(", ").append(TargetTable.DELETED);
        }
        sb.append(") ORDER BY (");
        for (int i = 0; i < key.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(ClickHouseHttp.quote(key.get(i)));
        }
        return sb.append(')').toString();
    }

    /** The table as the server describes it; null when it does not exist. */
    TargetTable read(String name) {
        List<byte[][]> rows = http.query("SELECT name, type, is_in_sorting_key FROM system.columns WHERE database = "
                + ClickHouseHttp.literal(database) + " AND table = " + ClickHouseHttp.literal(name));
        if (rows.isEmpty()) {
            return null;
        }
        List<TargetTable.TargetColumn> columns = new ArrayList<>();
        List<String> key = new ArrayList<>();
        for (byte[][] r : rows) {
            String col = text(r[0]);
            if (col.startsWith("_ferry_")) {
                continue;
            }
            columns.add(new TargetTable.TargetColumn(col, text(r[1])));
            if (text(r[2]).equals("1")) {
                key.add(col);
            }
        }
        return new TargetTable(database, name, columns, sortingKeyOrder(name, key));
    }

    /** system.columns lists key columns in table order; the sorting key's own order is in system.tables. */
    private List<String> sortingKeyOrder(String name, List<String> key) {
        if (key.size() < 2) {
            return key;
        }
        List<byte[][]> rows = http.query("SELECT sorting_key FROM system.tables WHERE database = "
                + ClickHouseHttp.literal(database) + " AND name = " + ClickHouseHttp.literal(name));
        String expr = rows.isEmpty() ? "" : text(rows.get(0)[0]);
        List<String> ordered = new ArrayList<>(key);
        ordered.sort((a, b) -> Integer.compare(position(expr, a), position(expr, b)));
        return ordered;
    }

    private static int position(String expr, String column) {
        int at = expr.indexOf(ClickHouseHttp.quote(column));
        if (at < 0) {
            at = indexOfWord(expr, column);
        }
        return at < 0 ? Integer.MAX_VALUE : at;
    }

    private static int indexOfWord(String expr, String word) {
        for (String part : expr.split(",")) {
            if (part.strip().equals(word)) {
                return expr.indexOf(part);
            }
        }
        return -1;
    }

    int storedVersion(String name) {
        List<byte[][]> rows = http.query("SELECT max(version), count() FROM " + versions + " WHERE table_name = "
                + ClickHouseHttp.literal(name));
        return rows.isEmpty() || text(rows.get(0)[1]).equals("0") ? -1 : Integer.parseInt(text(rows.get(0)[0]));
    }

    void writeVersion(String name, int version) {
        Tsv.Out out = new Tsv.Out();
        out.text(name);
        out.plain(Integer.toString(version));
        out.endRow();
        http.insert(versions, List.of("table_name", "version"), out.toByteArray());
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
