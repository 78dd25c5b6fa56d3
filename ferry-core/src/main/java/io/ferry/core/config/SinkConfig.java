package io.ferry.core.config;

import io.ferry.core.Secret;

/**
 * Where changes go. {@code type: none} captures into Kafka only.
 *
 * @param schema the target schema tables are created in
 */
public record SinkConfig(String type, String host, int port, String database, String user, Secret password,
                         String schema, boolean createTables, OnError onError) {

    public static SinkConfig none() {
        return new SinkConfig("none", null, 0, null, null, null, null, false, OnError.STOP);
    }

    /** What to do with a record that cannot be applied. */
    public enum OnError { STOP, DEAD_LETTER }
}
