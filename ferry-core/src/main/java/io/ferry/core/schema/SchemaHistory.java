package io.ferry.core.schema;

import io.ferry.core.TableSchema;
import io.ferry.core.TableId;
import java.util.Optional;

/** The versions of a table's schema the pipeline published, so a sink can see what changed since the one it holds. */
@FunctionalInterface
public interface SchemaHistory {

    /** Version {@code version} of {@code table}; empty when it was never published (or is not known here). */
    Optional<TableSchema> version(TableId table, int version);

    /** A history that knows no versions. */
    SchemaHistory NONE = (table, version) -> Optional.empty();
}
