package io.ferry.core.schema;

/** What a sink does when a table's schema changes at the source ({@code sink.schema-changes}). */
public enum SchemaChangePolicy {
    /** Apply every change the target can take: add, drop, rename, retype, re-key. */
    EVOLVE,
    /**
     * Never destroy what the target holds: add and rename columns, widen types; a dropped column stays (made
     * nullable), a narrowing keeps the wider target type. Every source column still matches. The default.
     */
    LENIENT,
    /** Change nothing at the target; columns it lacks are not written. */
    IGNORE,
    /** Stop the pipeline with a message naming the table, the column and the change. */
    STOP
}
