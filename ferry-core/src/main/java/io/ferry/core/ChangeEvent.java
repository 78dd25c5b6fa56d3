package io.ferry.core;

import java.util.Objects;

/**
 * One committed change of one row (or a truncate of a table), in source order.
 *
 * <p>{@link #before()} and {@link #after()} are row images aligned with {@link #schema()}'s columns; a slot
 * holds the column's value as {@link TypeKind} defines, {@code null} for SQL NULL, or {@link #UNCHANGED}
 * when the source did not send the value because it did not change (an unchanged TOASTed PostgreSQL value).
 * A sink must leave such a column as it is, never write null.
 *
 * @param before       the row before the change, when the source provides it (else {@code null})
 * @param after        the row after the change; {@code null} for delete and truncate
 * @param txId         the source transaction id, or -1 (snapshot)
 * @param commitMicros the source commit time in microseconds since the epoch (snapshot: read time)
 */
public record ChangeEvent(Operation op, TableSchema schema, Object[] before, Object[] after,
                          SourcePosition position, long txId, long commitMicros) {

    /** Marks a value the source did not send because it did not change. */
    public static final Object UNCHANGED = new Object() {
        @Override
        public String toString() {
            return "<unchanged>";
        }
    };

    public ChangeEvent {
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(position, "position");
    }

    public TableId table() {
        return schema.table();
    }

    /** The row image that identifies the row: {@code after}, or {@code before} for a delete. */
    public Object[] keyImage() {
        return after != null ? after : before;
    }
}
