package io.ferry.core;

/**
 * Receives one source's output, in source order, on the source's own thread. The publisher implements it;
 * once a batch is durably in Kafka it calls {@link Source#acknowledge} with the newest boundary it holds.
 */
public interface ChangeHandler {

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
