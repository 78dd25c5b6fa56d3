package io.ferry.postgres;

import io.ferry.core.ChangeHandler;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import java.util.HashMap;
import java.util.Map;

/**
 * Announces a table's schema to the handler only when its shape differs from the previous one: the one this run
 * last announced, else the one the pipeline durably published ({@link ChangeHandler#published}), so a shape
 * changed while Ferry was down is announced too. PostgreSQL re-sends Relation messages on every connection; they
 * do not produce new versions unless a column, type, nullability or key changed. Capture thread only.
 */
final class SchemaAnnouncer {

    private final Map<TableId, TableSchema> announced = new HashMap<>();
    private final Map<TableId, Integer> oids = new HashMap<>();

    /** The shape events of {@code table} last carried: this run's, else the durably published one, else null. */
    TableSchema previous(TableId table, ChangeHandler handler) {
        TableSchema inRun = announced.get(table);
        return inRun != null ? inRun : handler.published(table).orElse(null);
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
