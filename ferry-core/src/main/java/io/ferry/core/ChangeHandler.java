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
