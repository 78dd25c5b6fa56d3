package io.ferry.postgres;

import io.ferry.core.SourcePosition;
import java.util.Map;

/**
 * A point in a PostgreSQL capture. Streaming positions are the commit LSN of the source transaction plus the
 * index of an event inside it; {@code complete} marks the boundary after the commit. Snapshot positions carry
 * the slot's consistent point and per-table progress. Positions compare only through {@link #skips}.
 */
final class PgPosition implements SourcePosition {

    static final String LSN = "lsn";
    static final String INDEX = "index";
    static final String TX_ID = "txId";
    static final String COMPLETE = "complete";
    static final String END_LSN = "end_lsn";
    // Not "snapshot": the envelope's source block already has a Debezium field of that name.
    static final String SNAPSHOT = "in_snapshot";
    static final String SNAPSHOT_TABLE = "snapshot_table";
    static final String SNAPSHOT_ROWS = "snapshot_rows";
    static final String SNAPSHOT_DONE = "snapshot_done";
    /** Per-table progress of an unfinished snapshot ({@link SnapshotProgress}); kept in the offsets topic only. */
    static final String SNAPSHOT_PROGRESS = "snapshot_progress";
    /** The table whose rows are being read again after a schema change, while its backfill is not finished. */
    static final String BACKFILL = "backfill";
    /** The last key handed over by that backfill, as PostgreSQL array text of the key columns' text forms. */
    static final String BACKFILL_KEY = "backfill_key";
    static final String BACKFILL_ROWS = "backfill_rows";

    final long lsn;
    final int index;
    final long txId;
    final boolean complete;
    /** The LSN the slot may be acknowledged up to once this boundary is durable; 0 for none. */
    final long ackLsn;
    final boolean snapshot;
    final String snapshotTable;
    final long snapshotRows;
    final boolean snapshotDone;
    /** An unfinished snapshot's per-table progress, or {@code null}: none, or written before Ferry kept it. */
    final SnapshotProgress snapshotProgress;
    /** Schema-qualified name of the table being backfilled, or {@code null}: no backfill is under way. */
    final String backfillTable;
    /** The backfill's last key handed over (array text), or {@code null} for none yet or a keyless table. */
    final String backfillKey;
    final long backfillRows;

    private PgPosition(long lsn, int index, long txId, boolean complete, long ackLsn, boolean snapshot,
                       String snapshotTable, long snapshotRows, boolean snapshotDone) {
        this(lsn, index, txId, complete, ackLsn, snapshot, snapshotTable, snapshotRows, snapshotDone, null, null, null,
                0);
    }

    private PgPosition(long lsn, int index, long txId, boolean complete, long ackLsn, boolean snapshot,
                       String snapshotTable, long snapshotRows, boolean snapshotDone, SnapshotProgress snapshotProgress,
                       String backfillTable, String backfillKey, long backfillRows) {
        this.lsn = lsn;
        this.index = index;
        this.txId = txId;
        this.complete = complete;
        this.ackLsn = ackLsn;
        this.snapshot = snapshot;
        this.snapshotTable = snapshotTable;
        this.snapshotRows = snapshotRows;
        this.snapshotDone = snapshotDone;
        this.snapshotProgress = snapshotProgress;
        this.backfillTable = backfillTable;
        this.backfillKey = backfillKey;
        this.backfillRows = backfillRows;
    }

    /** The {@code index}-th event (from 0) of the transaction that commits at {@code commitLsn}. */
    static PgPosition event(long commitLsn, int index, long txId) {
        return new PgPosition(commitLsn, index, txId, false, 0, false, null, 0, false);
    }

    /** After the commit of a transaction; the slot may then be acknowledged up to the commit's end LSN. */
    static PgPosition commit(long commitLsn, int lastIndex, long txId, long endLsn) {
        return new PgPosition(commitLsn, lastIndex, txId, true, endLsn, false, null, 0, false);
    }

    /**
     * The stream is idle at {@code lsn}: every transaction committing before it was handed over. Index -1 and
     * not complete, so a transaction whose commit record starts exactly there is not skipped on resume.
     */
    static PgPosition idle(long lsn) {
        return new PgPosition(lsn, -1, -1, false, lsn, false, null, 0, false);
    }

    /**
     * The {@code rows}-th row of {@code table} in a snapshot from the slot's {@code consistentPoint}; resuming from
     * it reads each table on from where {@code progress} says.
     */
    static PgPosition snapshotRow(long consistentPoint, String table, long rows, SnapshotProgress progress) {
        return new PgPosition(consistentPoint, -1, -1, false, 0, true, table, rows, false, progress, null, null, 0);
    }

    static PgPosition snapshotDone(long consistentPoint) {
        return new PgPosition(consistentPoint, -1, -1, false, 0, true, null, 0, true);
    }

    /**
     * A row of a backfill handed over at stream position {@code at} (which it resumes like): resuming from it
     * first finishes the table's backfill after {@code lastKey}. Never acknowledges the slot.
     */
    static PgPosition backfill(PgPosition at, String table, String lastKey, long rows) {
        return new PgPosition(at.lsn, at.index, at.txId, at.complete, 0, false, null, 0, false, null, table, lastKey,
                rows);
    }

    /**
     * The same stream position carrying a copy's progress ({@link ChunkedCopy}) that resuming from it goes on with;
     * unlike a backfill's row, it still acknowledges the slot: the copy reads current rows after its last key.
     */
    PgPosition withBackfill(String table, String lastKey, long rows) {
        return new PgPosition(lsn, index, txId, complete, ackLsn, snapshot, snapshotTable, snapshotRows, snapshotDone,
                snapshotProgress, table, lastKey, rows);
    }

    /** The same stream position without a backfill marker. */
    PgPosition withoutBackfill() {
        return backfillTable == null ? this : new PgPosition(lsn, index, txId, complete, ackLsn, snapshot,
                snapshotTable, snapshotRows, snapshotDone);
    }

    /** Reads back what {@link #describe} wrote, lenient about Integer vs Long and numbers as strings. */
    static PgPosition fromResume(Map<String, Object> m) {
        boolean snapshot = bool(m.get(SNAPSHOT));
        Object table = m.get(SNAPSHOT_TABLE);
        Object progress = m.get(SNAPSHOT_PROGRESS);
        return new PgPosition(number(m.get(LSN), 0), (int) number(m.get(INDEX), -1), number(m.get(TX_ID), -1),
                bool(m.get(COMPLETE)), number(m.get(END_LSN), 0), snapshot, table == null ? null : table.toString(),
                number(m.get(SNAPSHOT_ROWS), 0), bool(m.get(SNAPSHOT_DONE)),
                progress == null ? null : SnapshotProgress.parse(progress.toString()),
                m.get(BACKFILL) == null ? null : m.get(BACKFILL).toString(),
                m.get(BACKFILL_KEY) == null ? null : m.get(BACKFILL_KEY).toString(), number(m.get(BACKFILL_ROWS), 0));
    }

    /** Whether resuming after this position must not hand over the event at {@code (eventLsn, eventIndex)}. */
    boolean skips(long eventLsn, int eventIndex) {
        return eventLsn < lsn || (eventLsn == lsn && (complete || eventIndex <= index));
    }

    /** A snapshot was started but not finished: it must be resumed ({@link #snapshotProgress}) or redone. */
    boolean snapshotInterrupted() {
        return snapshot && !snapshotDone;
    }

    @Override
    public void describe(Fields out) {
        out.put(LSN, lsn);
        out.put(INDEX, index);
        if (txId >= 0) {
            out.put(TX_ID, txId);
        }
        out.put(COMPLETE, complete);
        if (ackLsn != 0) {
            out.put(END_LSN, ackLsn);
        }
        out.put(SNAPSHOT, snapshot);
        if (snapshot) {
            if (snapshotTable != null) {
                out.put(SNAPSHOT_TABLE, snapshotTable);
                out.put(SNAPSHOT_ROWS, snapshotRows);
            }
            out.put(SNAPSHOT_DONE, snapshotDone);
        }
        if (backfillTable != null) {
            out.put(BACKFILL, backfillTable);
            if (backfillKey != null) {
                out.put(BACKFILL_KEY, backfillKey);
            }
            out.put(BACKFILL_ROWS, backfillRows);
        }
    }

    @Override
    public void describeResume(Fields out) {
        if (snapshotProgress != null && snapshot && !snapshotDone) {
            out.put(SNAPSHOT_PROGRESS, snapshotProgress.text());
        }
    }

    @Override
    public String toString() {
        if (snapshot) {
            return snapshotDone ? "snapshot done at " + Lsn.format(lsn)
                    : "snapshot of " + snapshotTable + " row " + snapshotRows;
        }
        String at = Lsn.format(lsn) + (complete ? " (committed)" : "#" + index);
        return backfillTable == null ? at : at + ", backfill of " + backfillTable + " row " + backfillRows;
    }

    private static long number(Object v, long absent) {
        if (v == null) {
            return absent;
        }
        if (v instanceof Number n) {
            return n.longValue();
        }
        return Long.parseLong(v.toString());
    }

    private static boolean bool(Object v) {
        return v instanceof Boolean b ? b : v != null && Boolean.parseBoolean(v.toString());
    }

    /** LSN text form {@code XXXXXXXX/XXXXXXXX}. */
    static final class Lsn {
        private Lsn() {
        }

        static String format(long lsn) {
            return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
        }
    }
}
