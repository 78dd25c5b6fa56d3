package io.ferry.mysql;

import io.ferry.core.ChangeHandler;
import io.ferry.core.Column;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.schema.SchemaDiff;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Announces a table's schema to the handler only when its shape differs from the one this run last announced,
 * numbering versions from 1 within the run, and keeps the schema history of column identity: every column gets
 * a {@link Column#id()} that a rename keeps. Ids start from the newest schema the pipeline published (also in an
 * earlier run), else 1..n in column order; a new column gets the highest id so far plus one. Renames, drops and
 * adds come from the binlog's ALTER TABLE statements ({@link #renamed}, {@link #dropped}, {@link #added}), which
 * the stream passes on before the table's next shape.
 */
final class SchemaAnnouncer {

    /** An announced shape and whether it gave existing rows values the binlog does not carry. */
    record Shape(TableSchema schema, boolean rewritesRows) {
    }

    /** Column ids by current name, and the highest id a table ever had. */
    private static final class Lineage {
        final Map<String, Integer> ids = new LinkedHashMap<>();
        int max;
    }

    private final ChangeHandler handler;
    private final Map<TableId, TableSchema> announced = new HashMap<>();
    private final Map<TableId, Lineage> lineages = new HashMap<>();

    SchemaAnnouncer(ChangeHandler handler) {
        this.handler = handler;
    }

    /** The announced schema for {@code def}'s shape, calling {@code handler.schema} if the shape is new. */
    TableSchema announce(TableDef def) {
        return evolve(def, Set.of()).schema();
    }

    /**
     * As {@link #announce}, and whether the new shape {@link SchemaDiff#rewritesRows rewrites rows} compared with
     * the one before it (this run's, else the newest published). Added columns named in {@code leftNull} are known
     * to hold NULL in every existing row (their ALTER TABLE said so): adding only those rewrites nothing.
     */
    Shape evolve(TableDef def, Set<String> leftNull) {
        TableSchema previous = previous(def.id);
        TableSchema shape = withIds(def);
        TableSchema mine = announced.get(def.id);
        if (mine != null && mine.sameShapeAs(shape)) {
            return new Shape(mine, false);
        }
        TableSchema next = shape.withVersion(mine == null ? 1 : mine.version() + 1);
        announced.put(def.id, next);
        handler.schema(next);
        // The first new shape of a run is backfilled whatever changed: what an earlier run still owed when it
        // stopped (see ChangeStream) is not known.
        boolean rewrites = previous != null && !previous.sameShapeAs(shape)
                && (mine == null || rewrites(SchemaDiff.between(previous, shape), leftNull));
        return new Shape(next, rewrites);
    }

    private static boolean rewrites(SchemaDiff diff, Set<String> leftNull) {
        if (!diff.rewritesRows()) {
            return false;
        }
        List<Column> adds = diff.nullableAddsOnly();
        return adds == null || !adds.stream().allMatch(c -> leftNull.contains(c.name()));
    }

    /** The shape this run last announced for the table, else the newest one published; null if none. */
    TableSchema previous(TableId id) {
        TableSchema mine = announced.get(id);
        return mine != null ? mine : handler.published(id).orElse(null);
    }

    /** The table's column names as its history knows them after the statements seen so far. */
    java.util.Set<String> knownNames(TableId table) {
        return new java.util.HashSet<>(lineage(table).ids.keySet());
    }

    /** Column {@code from} of the table is now called {@code to}; ignored when {@code from} is not known. */
    void renamed(TableId table, String from, String to) {
        Lineage l = lineage(table);
        Integer id = l.ids.remove(from);
        if (id != null) {
            l.ids.put(to, id);
        }
    }

    void dropped(TableId table, String column) {
        lineage(table).ids.remove(column);
    }

    /** A column added by name; a name already known keeps its id (the statement was seen before a restart). */
    void added(TableId table, String column) {
        Lineage l = lineage(table);
        l.ids.computeIfAbsent(column, k -> ++l.max);
    }

    /**
     * The table is now called {@code to}: its column ids move along, while its schema is announced anew under the
     * new name (a new table for the handler).
     */
    void tableRenamed(TableId from, TableId to) {
        Lineage l = lineage(from);
        lineages.remove(from);
        lineages.put(to, l);
        announced.remove(from);
    }

    private TableSchema withIds(TableDef def) {
        Lineage l = lineage(def.id);
        List<Column> columns = new ArrayList<>();
        Map<String, Integer> now = new LinkedHashMap<>();
        for (Column c : def.shape.columns()) {
            Integer id = l.ids.get(c.name());
            if (id == null) {
                id = ++l.max;
            }
            now.put(c.name(), id);
            columns.add(c.withId(id));
        }
        l.ids.clear();
        l.ids.putAll(now);
        return new TableSchema(def.id, 0, columns, def.shape.primaryKey());
    }

    private Lineage lineage(TableId table) {
        return lineages.computeIfAbsent(table, id -> {
            Lineage l = new Lineage();
            TableSchema base = previous(id);
            if (base != null) {
                for (Column c : base.columns()) {
                    if (c.id() > 0) {
                        l.ids.put(c.name(), c.id());
                        l.max = Math.max(l.max, c.id());
                    }
                }
            }
            return l;
        });
    }
}
