package io.ferry.core.config;

import io.ferry.core.Secret;
import io.ferry.core.schema.SchemaChanges;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Where changes go. {@code type: none} captures into Kafka only.
 *
 * @param schema        the target schema tables are created in
 * @param schemaChanges what the sink does when a source table's schema changes
 * @param options       the values of the kind's own keys ({@link io.ferry.core.config.SinkOption}), by name
 */
public record SinkConfig(String type, String host, int port, String database, String user, Secret password,
                         String schema, boolean createTables, OnError onError, SchemaChanges schemaChanges,
                         Map<String, String> options) {

    public SinkConfig {
        Objects.requireNonNull(schemaChanges, "schemaChanges");
        options = Map.copyOf(options);
    }

    public SinkConfig(String type, String host, int port, String database, String user, Secret password,
                      String schema, boolean createTables, OnError onError, SchemaChanges schemaChanges) {
        this(type, host, port, database, user, password, schema, createTables, onError, schemaChanges, Map.of());
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
        return new SinkConfig(type, host, port, database, user, password, schema, createTables, onError, changes,
                options);
    }

    public SinkConfig withOption(String name, String value) {
        Map<String, String> changed = new LinkedHashMap<>(options);
        changed.put(name, value);
        return new SinkConfig(type, host, port, database, user, password, schema, createTables, onError,
                schemaChanges, changed);
    }

    /** The value of one of the kind's own keys (its default when the file leaves it out), or null. */
    public String option(String name) {
        return options.get(name);
    }

    /** What to do with a record that cannot be applied. */
    public enum OnError { STOP, DEAD_LETTER }
}
