package io.ferry.core;

import java.util.List;

/**
 * What a source is doing, for status lines and metrics.
 *
 * @param phase            e.g. {@code snapshot}, {@code streaming}, {@code reconnecting}
 * @param position         the newest source position read, human-readable
 * @param lastCommitMicros commit time of the newest change read, microseconds since the epoch, or 0
 * @param tables           snapshot progress per table (empty once streaming began without a snapshot)
 * @param copies           tables being copied while streaming goes on ({@link Source#requestSnapshot}): the one
 *                         running first, then those queued
 */
public record SourceStatus(String phase, String position, long lastCommitMicros, List<TableProgress> tables,
                           List<Copy> copies) {

    public SourceStatus {
        tables = List.copyOf(tables);
        copies = List.copyOf(copies);
    }

    /** A status without copies under way. */
    public SourceStatus(String phase, String position, long lastCommitMicros, List<TableProgress> tables) {
        this(phase, position, lastCommitMicros, tables, List.of());
    }

    /**
     * Snapshot progress of one table.
     *
     * @param chunkRows  rows per chunk the snapshot reads the table in, or 0 when the source does not read in chunks
     * @param chunksDone chunks handed over so far, counting those of an interrupted run it resumed after
     */
    public record TableProgress(TableId table, long rowsDone, long rowsEstimated, boolean done, int chunkRows,
                                long chunksDone) {

        /** Progress of a source that does not report chunks. */
        public TableProgress(TableId table, long rowsDone, long rowsEstimated, boolean done) {
            this(table, rowsDone, rowsEstimated, done, 0, 0);
        }
    }

    /** A table copy requested while streaming: {@code running} with the rows handed over so far, or queued. */
    public record Copy(TableId table, boolean running, long rowsDone) {
    }
}
