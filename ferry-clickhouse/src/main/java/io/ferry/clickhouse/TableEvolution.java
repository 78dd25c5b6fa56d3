package io.ferry.clickhouse;

import io.ferry.core.ColumnType;
import io.ferry.core.FerryException;
import io.ferry.core.TypeKind;
import io.ferry.core.schema.SchemaChangePolicy;
import io.ferry.core.schema.SchemaDiff;
import io.ferry.core.schema.TypeChange;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Brings a ClickHouse table from one source schema version to the next by a {@link SchemaChangePolicy}. Each step
 * looks at the table first and is skipped when already done, so a change run again after a crash converges.
 *
 * <p>What {@code ALTER} can do it does: add, drop and retype columns. What it cannot is done by a rebuild: a new
 * sorting key (ClickHouse cannot change a table's {@code ORDER BY}), and renames on servers before 20.4 (no
 * {@code RENAME COLUMN}). A rebuild creates {@code <table>__ferry_rebuild} in the new shape, copies the
 * {@code FINAL} rows (tombstones and versions included), then renames the tables; if Ferry dies between the two
 * renames, {@link #finishRebuild} completes the swap on the next start.
 */
final class TableEvolution {

    private static final String REBUILD = "__ferry_rebuild";
    private static final String OLD = "__ferry_old";

    private final ClickHouseHttp http;
    private final ServerVersion server;
    private final TableCatalog catalog;

    TableEvolution(ClickHouseHttp http, ServerVersion server, TableCatalog catalog) {
        this.http = http;
        this.server = server;
        this.catalog = catalog;
    }

    TargetTable apply(TargetTable table, SchemaDiff diff, SchemaChangePolicy policy) {
        if (diff.isEmpty() || policy == SchemaChangePolicy.IGNORE) {
            return table;
        }
        String where = "table " + table.display() + " (source " + diff.to().table() + ")";
        if (policy == SchemaChangePolicy.STOP) {
            throw new FerryException(where + " changed at the source and sink.schema-changes is stop for it: "
                    + diff.describe() + ". Change the target by hand and set the policy to ignore, or use lenient"
                    + " or evolve", null, false);
        }
        boolean evolve = policy == SchemaChangePolicy.EVOLVE;
        if (!evolve) {
            for (SchemaDiff.Change change : diff.changes()) {
                if (change instanceof SchemaDiff.Retyped r && r.kind() == TypeChange.INCOMPATIBLE) {
                    throw new FerryException(where + ": column " + r.after().name() + " changed type from "
                            + r.before().type().sourceName() + " to " + r.after().type().sourceName()
                            + ", which not every value converts to; sink.schema-changes lenient does not change it."
                            + " Convert the target column by hand, or set evolve for this table", null, false);
                }
            }
        }
        TargetTable t = table;
        Map<String, String> renames = new LinkedHashMap<>();
        List<String> drops = new ArrayList<>();
        for (SchemaDiff.Change change : diff.changes()) {
            if (change instanceof SchemaDiff.Renamed r) {
                if (t.has(r.before().name()) && !t.has(r.after().name())) {
                    renames.put(r.before().name(), r.after().name());
                }
            } else if (change instanceof SchemaDiff.Dropped d && evolve) {
                drops.add(d.column().name());
            }
        }
        List<String> newKey = diff.to().primaryKey();
        List<String> keyAfterRenames = new ArrayList<>();
        for (String k : t.key()) {
            keyAfterRenames.add(renames.getOrDefault(k, k));
        }
        boolean rekey = !t.keyless() && !newKey.isEmpty() && !keyAfterRenames.equals(newKey);
        if (!renames.isEmpty() && server.hasRenameColumn() && !rekey) {
            for (Map.Entry<String, String> r : renames.entrySet()) {
                run("ALTER TABLE " + t.qualified() + " RENAME COLUMN " + ClickHouseHttp.quote(r.getKey()) + " TO "
                        + ClickHouseHttp.quote(r.getValue()));
            }
            t = catalog.read(t.name());
        } else if (!renames.isEmpty() || rekey) {
            t = rebuild(t, renames, rekey ? newKey : keyAfterRenames, rekey);
        }
        for (SchemaDiff.Change change : diff.changes()) {
            if (change instanceof SchemaDiff.Retyped r) {
                TargetTable.TargetColumn current = t.column(r.after().name());
                if (current == null || t.key().contains(current.name())) {
                    continue;
                }
                String wanted = ClickHouseTypes.of(r.after().type(), server);
                boolean differs = !current.baseType().equals(wanted);
                boolean retype = evolve ? differs : r.kind() == TypeChange.WIDENING && differs
                        && !holds(current.baseType(), r.after().type());
                if (retype) {
                    t = run(t, "ALTER TABLE " + t.qualified() + " MODIFY COLUMN " + ClickHouseHttp.quote(current.name())
                            + " Nullable(" + wanted + ")");
                }
            } else if (change instanceof SchemaDiff.Added a) {
                if (!t.has(a.column().name())) {
                    t = run(t, "ALTER TABLE " + t.qualified() + " ADD COLUMN " + ClickHouseHttp.quote(a.column().name())
                            + " " + ClickHouseTypes.column(a.column().type(), server, false));
                }
            }
        }
        for (String d : drops) {
            if (t.has(d) && diff.to().indexOf(d) < 0 && !t.key().contains(d)) {
                t = run(t, "ALTER TABLE " + t.qualified() + " DROP COLUMN " + ClickHouseHttp.quote(d));
            }
        }
        return t;
    }

    /** Whether a String column already holds every value of the wider type (text widened to more text). */
    private static boolean holds(String current, ColumnType wanted) {
        return current.equals("String") && wanted.kind() != TypeKind.DECIMAL;
    }

    private TargetTable run(TargetTable t, String sql) {
        run(sql);
        return catalog.read(t.name());
    }

    private void run(String sql) {
        http.execute(sql);
    }

    /**
     * Copies the table into the shape with {@code renames} applied and sorted by {@code key}, then swaps. Tombstones
     * move along, except to a new key: they hold no values for its other columns, and the rows they hid are older
     * than any offset a replay starts from.
     */
    private TargetTable rebuild(TargetTable t, Map<String, String> renames, List<String> key, boolean rekey) {
        String next = t.name() + REBUILD;
        String qNext = ClickHouseHttp.quote(t.database()) + "." + ClickHouseHttp.quote(next);
        run("DROP TABLE IF EXISTS " + qNext);
        List<TargetTable.TargetColumn> columns = new ArrayList<>();
        List<String> from = new ArrayList<>();
        List<String> to = new ArrayList<>();
        for (TargetTable.TargetColumn c : t.columns()) {
            String name = renames.getOrDefault(c.name(), c.name());
            columns.add(new TargetTable.TargetColumn(name, c.baseType()));
            from.add(ClickHouseHttp.quote(c.name()));
            to.add(ClickHouseHttp.quote(name));
        }
        String create = catalog.createTyped(t.database(), next, columns, key);
        run(create);
        String extra = t.keyless() ? TargetTable.SIGN : TargetTable.DELETED;
        run("INSERT INTO " + qNext + " (" + String.join(", ", to) + ", " + TargetTable.VERSION + ", " + extra
                + ") SELECT " + String.join(", ", from) + ", " + TargetTable.VERSION + ", " + extra + " FROM "
                + t.qualified() + " FINAL" + (rekey ? " WHERE " + TargetTable.DELETED + " = 0" : ""));
        String old = ClickHouseHttp.quote(t.database()) + "." + ClickHouseHttp.quote(t.name() + OLD);
        run("DROP TABLE IF EXISTS " + old);
        run("RENAME TABLE " + t.qualified() + " TO " + old + ", " + qNext + " TO " + t.qualified());
        run("DROP TABLE IF EXISTS " + old);
        return catalog.read(t.name());
    }

    /** After a crash between a rebuild's renames: the rebuilt table takes the name; null when there was none. */
    TargetTable finishRebuild(String database, String name) {
        if (catalog.read(name + REBUILD) == null || catalog.read(name + OLD) == null) {
            return null;
        }
        run("RENAME TABLE " + ClickHouseHttp.quote(database) + "." + ClickHouseHttp.quote(name + REBUILD) + " TO "
                + ClickHouseHttp.quote(database) + "." + ClickHouseHttp.quote(name));
        run("DROP TABLE IF EXISTS " + ClickHouseHttp.quote(database) + "." + ClickHouseHttp.quote(name + OLD));
        return catalog.read(name);
    }
}
