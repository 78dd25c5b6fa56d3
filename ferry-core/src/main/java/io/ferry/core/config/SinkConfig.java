package io.ferry.core.config;

import io.ferry.core.Secret;
import io.ferry.core.schema.SchemaChanges;
import java.util.Objects;

/**
 * Where changes go. {@code type: none} captures into Kafka only.
 *
 * @param schema        the target schema tables are created in
 * @param schemaChanges what the sink does when a source table's schema changes
 */
public record SinkConfig(String type, String host, int port, String database, String user, Secret password,
                         String schema, boolean createTables, OnError onError, SchemaChanges schemaChanges) {

    public SinkConfig {
        Objects.requireNonNull(schemaChanges, "schemaChanges");
    }

    public SinkConfig(String type, String host, int port, String database, String user, Secret password,
                      String schema, boolean createTables, OnError onError) {
        this(type, host, port, database, user, password, schema, createTables, onError, SchemaChanges.DEFAULT);
    }

    public static SinkConfig none() {
        return new SinkConfig("none", null, 0, null, null, null, null, false, OnError.STOP);
    }

    public boolean isNone() {
        return type.equals("none");
    }

    public SinkConfig withSchemaChanges(SchemaChanges changes) {
        return new SinkConfig(type, host, port, database, user, password, schema, createTables, onError, changes);
    }

    /** What to do with a record that cannot be applied. */
    public enum OnError { STOP, DEAD_LETTER }
}
