package io.ferry.postgres;

import io.ferry.core.ChangeHandler;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import java.util.HashMap;
import java.util.Map;

/**
 * Announces a table's schema to the handler only when its shape differs from the one this run last announced,
 * numbering versions from 1 within the run. PostgreSQL re-sends Relation messages on every connection; they
 * do not produce new versions unless a column, type, nullability or key changed.
 */
final class SchemaAnnouncer {

    private final Map<TableId, TableSchema> announced = new HashMap<>();

    /** Makes sure {@code relation.announced} is set, calling {@code handler.schema} if the shape is new. */
    TableSchema announce(PgRelation relation, ChangeHandler handler) {
        TableSchema current = relation.announced;
        if (current != null) {
            return current;
        }
        TableSchema previous = announced.get(relation.shape.table());
        if (previous != null && previous.sameShapeAs(relation.shape)) {
            relation.announced = previous;
            return previous;
        }
        TableSchema next = relation.shape.withVersion(previous == null ? 1 : previous.version() + 1);
        announced.put(next.table(), next);
        relation.announced = next;
        handler.schema(next);
        return next;
    }
}
