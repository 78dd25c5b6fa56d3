package io.ferry.core;

import java.util.List;

/**
 * What a source is doing, for status lines and metrics.
 *
 * @param phase            e.g. {@code snapshot}, {@code streaming}, {@code reconnecting}
 * @param position         the newest source position read, human-readable
 * @param lastCommitMicros commit time of the newest change read, microseconds since the epoch, or 0
 * @param tables           snapshot progress per table (empty once streaming began without a snapshot)
 */
public record SourceStatus(String phase, String position, long lastCommitMicros, List<TableProgress> tables) {

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
}
