package io.ferry.core;

import java.util.List;
import java.util.Map;

/**
 * A database's committed changes as a stream of {@link ChangeEvent}s: first a consistent snapshot, then the
 * log. One source instance serves one pipeline run; it is not thread-safe except for {@link #stop()}.
 */
public interface Source extends AutoCloseable {

    /**
     * Checks that the source can be captured (reachable, credentials, log settings, privileges, tables) and
     * prepares it (publication, replication slot). Throws {@link FerryException} naming what is wrong.
     */
    void prepare();

    /**
     * Captures on the calling thread until {@link #stop()}. {@code resume} is the newest position this
     * pipeline committed to Kafka, as {@link SourcePosition#describe} wrote it, or empty for a fresh start;
     * events at or before it are not handed over again.
     */
    void run(Map<String, Object> resume, ChangeHandler handler) throws InterruptedException;

    /** Everything up to this boundary is durably published: the source may release its log up to it. */
    void acknowledge(SourcePosition boundary);

    /** Snapshot progress and source lag, safe to call from any thread. */
    SourceStatus status();

    /**
     * Queues a copy of the named tables' current rows (exact names as {@code source.tables} spells them) while
     * streaming of the others goes on; a named table that {@code sourceTables} (the pipeline file's
     * {@code source.tables} now) matches but that is not captured yet joins the capture. Callable from any thread
     * once prepared; the capture thread starts at its next transaction boundary and keeps the queue in the
     * positions it publishes, so a restart continues it. Returns the tables queued; throws a
     * {@link FerryException} naming a table that cannot be copied, or when this source cannot copy at all.
     */
    default List<TableId> requestSnapshot(List<String> tables, List<String> sourceTables) {
        throw new FerryException("this source cannot copy tables while it streams; to copy every table again, stop"
                + " ferry run and run ferry reset");
    }

    /** Asks {@link #run} to return soon; callable from any thread. */
    void stop();

    @Override
    void close();
}
