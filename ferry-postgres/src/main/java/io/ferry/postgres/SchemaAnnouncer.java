package io.ferry.postgres;

import io.ferry.core.ChangeHandler;
import io.ferry.core.Column;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.schema.SchemaDiff;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Announces a table's schema to the handler only when its shape differs from the previous one: the one this run
 * last announced, else the one the pipeline durably published ({@link ChangeHandler#published}), so a shape
 * changed while Ferry was down is announced too. PostgreSQL re-sends Relation messages on every connection; they
 * do not produce new versions unless a column, type, nullability or key changed.
 *
 * <p>It also keeps the backfills owed: a shape that rewrote rows, seen in the stream while the table already has
 * a newer shape (DDL made while the stream lags, or while Ferry was down), cannot be backfilled then: today's rows
 * do not fit yesterday's shape. The backfill is owed until the stream reaches the table's current shape. Capture
 * thread only.
 */
final class SchemaAnnouncer {

    private final Map<TableId, TableSchema> announced = new HashMap<>();
    private final Map<TableId, Integer> oids = new HashMap<>();
    private final Set<TableId> owed = new HashSet<>();

    /** The shape events of {@code table} last carried: this run's, else the durably published one, else null. */
    TableSchema previous(TableId table, ChangeHandler handler) {
        TableSchema inRun = announced.get(table);
        return inRun != null ? inRun : handler.published(table).orElse(null);
    }

    /**
     * Whether a change from {@code previous} to {@code next} (as announced) leaves rows the log does not carry: a
     * shape that rewrote rows, a backfill still owed, or the first new shape of this run, since what an earlier
     * run owed when it stopped is not known.
     */
    boolean needsBackfill(TableSchema previous, TableSchema next, boolean firstInRun) {
        if (previous == null) {
            return false;
        }
        if (owed.contains(next.table())) {
            return true;
        }
        return previous != next && (firstInRun || SchemaDiff.between(previous, next).rewritesRows());
    }

    /**
     * The columns {@code next} added to {@code previous}, when adding nullable columns is all that calls for its
     * backfill (not owed, not the first new shape of the run, no retype): if they hold NULL in every row, it need
     * not run. Null otherwise.
     */
    List<Column> nullableAddsOnly(TableSchema previous, TableSchema next, boolean firstInRun) {
        if (previous == null || previous == next || firstInRun || owed.contains(next.table())) {
            return null;
        }
        return SchemaDiff.between(previous, next).nullableAddsOnly();
    }

    /** Whether this run announced nothing for {@code table} yet. */
    boolean firstInRun(TableId table) {
        return !announced.containsKey(table);
    }

    /** The table's backfill must wait for the stream to reach its current shape. */
    void owe(TableId table) {
        owed.add(table);
    }

    /** The table's rows were read again. */
    void paid(TableId table) {
        owed.remove(table);
    }

    /** The oid of the table this run last announced under {@code table}'s name, or null. */
    Integer oidOf(TableId table) {
        return oids.get(table);
    }

    /** Makes sure {@code relation.announced} is set, calling {@code handler.schema} if the shape is new. */
    TableSchema announce(PgRelation relation, ChangeHandler handler) {
        TableSchema current = relation.announced;
        if (current != null) {
            return current;
        }
        relation.announced = announce(relation.oid, relation.shape, handler);
        return relation.announced;
    }

    /** Announces {@code shape} for the table with this oid unless the previous shape is the same; returns it. */
    TableSchema announce(int oid, TableSchema shape, ChangeHandler handler) {
        oids.put(shape.table(), oid);
        TableSchema previous = previous(shape.table(), handler);
        if (previous != null && previous.sameShapeAs(shape)) {
            announced.put(shape.table(), previous);
            return previous;
        }
        TableSchema next = shape.withVersion(previous == null ? 1 : previous.version() + 1);
        announced.put(next.table(), next);
        handler.schema(next);
        return next;
    }
}
