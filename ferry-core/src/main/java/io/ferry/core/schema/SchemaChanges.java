package io.ferry.core.schema;

import io.ferry.core.TableId;
import io.ferry.core.TableSelector;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The schema-change policy of a sink: one for every table, and overrides for tables named exactly or by a
 * pattern as in {@code source.tables} ({@code sink.schema-changes-per-table}); the first matching one wins.
 */
public record SchemaChanges(SchemaChangePolicy fallback, Map<String, SchemaChangePolicy> perTable) {

    public static final SchemaChanges DEFAULT = new SchemaChanges(SchemaChangePolicy.LENIENT, Map.of());

    public SchemaChanges {
        Objects.requireNonNull(fallback, "fallback");
        perTable = Collections.unmodifiableMap(new LinkedHashMap<>(perTable));
    }

    /** The policy for {@code table}. */
    public SchemaChangePolicy policyFor(TableId table) {
        for (Map.Entry<String, SchemaChangePolicy> e : perTable.entrySet()) {
            // An entry without a schema names the table in whichever schema it is.
            if (TableSelector.parse(e.getKey(), table.schema()).matches(table)) {
                return e.getValue();
            }
        }
        return fallback;
    }
}
