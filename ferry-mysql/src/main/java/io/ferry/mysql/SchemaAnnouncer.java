package io.ferry.mysql;

import io.ferry.core.ChangeHandler;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import java.util.HashMap;
import java.util.Map;

/**
 * Announces a table's schema to the handler only when its shape differs from the one this run last announced,
 * numbering versions from 1 within the run.
 */
final class SchemaAnnouncer {

    private final Map<TableId, TableSchema> announced = new HashMap<>();

    /** The announced schema for {@code def}'s shape, calling {@code handler.schema} if the shape is new. */
    TableSchema announce(TableDef def, ChangeHandler handler) {
        TableSchema previous = announced.get(def.id);
        if (previous != null && previous.sameShapeAs(def.shape)) {
            return previous;
        }
        TableSchema next = def.shape.withVersion(previous == null ? 1 : previous.version() + 1);
        announced.put(def.id, next);
        handler.schema(next);
        return next;
    }
}
