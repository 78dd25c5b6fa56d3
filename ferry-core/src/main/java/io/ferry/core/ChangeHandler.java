package io.ferry.core;

import java.util.Optional;

/**
 * Receives one source's output, in source order, on the source's own thread. The publisher implements it;
 * once a batch is durably in Kafka it calls {@link Source#acknowledge} with the newest boundary it holds.
 */
public interface ChangeHandler {

    /**
     * The newest schema of {@code table} this pipeline durably published, in this run or an earlier one; empty
     * for a table it never published. A source compares a table's shape with it to see what changed while
     * it was down.
     */
    Optional<TableSchema> published(TableId table);

    /**
     * The source's own shape of {@code table} as last recorded by {@link #recordSourceShape}, in this run or an
     * earlier one; empty when none was. For tables a stage reshapes on the way to Kafka, whose {@link #published}
     * schema the source cannot compare its own shape with.
     */
    default Optional<TableSchema> recordedSourceShape(TableId table) {
        return Optional.empty();
    }

    /**
     * Records the source's own shape of a table whose events are reshaped before they are published (capture
     * transforms), durably with the events that follow it. Handlers that do not persist it may ignore it.
     */
    default void recordSourceShape(TableSchema sourceShape) {
    }

    /** A new version of a table's schema; it precedes the first event that uses it. */
    void schema(TableSchema schema);

    /** One change. The handler may block (back-pressure) while it commits a batch. */
    void change(ChangeEvent event);

    /**
     * Everything up to {@code position} has been handed over: a source transaction ended there, or the source
     * is idle there. Once what came before is committed, the source may be acknowledged up to this point.
     */
    void boundary(SourcePosition position);

    /** Commit what has been handed over now, including the newest position even when no event is pending. */
    void flush();

    /** The source is waiting for data; lets time-based batches commit. */
    void idle();
}
