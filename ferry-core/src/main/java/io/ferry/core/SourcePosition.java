package io.ferry.core;

/**
 * A point in a source's log precise enough to resume after: for PostgreSQL the commit LSN of a transaction
 * plus the index of an event inside it, for MySQL binlog file/position/GTID plus a row index. A source
 * reads back its own positions from the fields it {@link #describe describes}.
 */
public interface SourcePosition {

    /**
     * Writes this position's fields; used for the envelope's {@code source} block and the offsets topic. Names
     * must differ from the block's own Debezium fields: version, connector, name, ts_ms, ts_us, snapshot, db,
     * schema, table, schema_version.
     */
    void describe(Fields out);

    /**
     * Writes fields that only resuming needs, such as a MySQL GTID set, to the offsets topic but not into every
     * event. None by default.
     */
    default void describeResume(Fields out) {
    }

    /** Receives named position fields without building intermediate objects. */
    interface Fields {
        void put(String name, long value);

        void put(String name, String value);

        void put(String name, boolean value);
    }
}
