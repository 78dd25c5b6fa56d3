package io.ferry.mysql;

import io.ferry.core.SourcePosition;
import java.util.Map;

/**
 * A point in a MySQL/MariaDB capture. A row change is named by the binlog file and position where its source
 * transaction starts (the GTID event, else {@code BEGIN}) plus the row's index inside that transaction; the
 * transaction's GTID travels along where the server has one. A boundary after a transaction is {@code complete}
 * and carries {@code next_pos}, where the next transaction may start in the same file. Snapshot positions carry
 * the binlog position the snapshot is consistent with and per-table progress.
 *
 * <p>Where the server has GTIDs (MySQL with {@code gtid_mode=ON}; MariaDB always), {@code gtids} is the set of
 * transactions completed before this point (MariaDB: the last GTID of each domain), written to the offsets topic
 * only. Resuming then asks the server for everything outside that set, which also works on another server of the
 * same replication topology, where file names and positions differ.
 *
 * <p>Field names follow Debezium's MySQL source block ({@code file}, {@code pos}, {@code row}, {@code gtid}) and
 * avoid the envelope's own fields.
 *
 * <p>Rows re-read after a schema change that rewrote them (a backfill) carry {@code backfill} (the table) and
 * {@code backfill_rows} on the position of the last change handed over before it; a restart from such a position
 * re-reads that table before streaming, and the next boundary carries no marker.
 */
final class MySqlPosition implements SourcePosition {

    static final String FILE = "file";
    static final String POS = "pos";
    static final String ROW = "row";
    static final String NEXT_POS = "next_pos";
    static final String COMPLETE = "complete";
    static final String GTID = "gtid";
    static final String GTIDS = "gtids";
    // Not "snapshot": the envelope's source block already has a Debezium field of that name.
    static final String SNAPSHOT = "in_snapshot";
    static final String SNAPSHOT_TABLE = "snapshot_table";
    static final String SNAPSHOT_ROWS = "snapshot_rows";
    static final String SNAPSHOT_DONE = "snapshot_done";
    static final String SNAPSHOT_PROGRESS = "snapshot_progress";
    static final String BACKFILL = "backfill";
    static final String BACKFILL_ROWS = "backfill_rows";

    final String file;
    final long pos;
    final int row;
    final long nextPos;
    final boolean complete;
    final String gtid;
    /** Transactions completed before this point; null where the server has no GTIDs. */
    final String gtids;
    final boolean snapshot;
    final String snapshotTable;
    final long snapshotRows;
    final boolean snapshotDone;
    /** Per-table progress of an unfinished snapshot (offsets topic only), else null. */
    final SnapshotProgress snapshotProgress;
    /** The table a backfill is re-reading at this point ({@code schema.table}), else null. */
    final String backfill;
    final long backfillRows;

    private MySqlPosition(String file, long pos, int row, long nextPos, boolean complete, String gtid, String gtids,
                          boolean snapshot, String snapshotTable, long snapshotRows, boolean snapshotDone) {
        this(file, pos, row, nextPos, complete, gtid, gtids, snapshot, snapshotTable, snapshotRows, snapshotDone,
                null, 0);
    }

    private MySqlPosition(String file, long pos, int row, long nextPos, boolean complete, String gtid, String gtids,
                          boolean snapshot, String snapshotTable, long snapshotRows, boolean snapshotDone,
                          String backfill, long backfillRows) {
        this(file, pos, row, nextPos, complete, gtid, gtids, snapshot, snapshotTable, snapshotRows, snapshotDone,
                backfill, backfillRows, null);
    }

    private MySqlPosition(String file, long pos, int row, long nextPos, boolean complete, String gtid, String gtids,
                          boolean snapshot, String snapshotTable, long snapshotRows, boolean snapshotDone,
                          String backfill, long backfillRows, SnapshotProgress snapshotProgress) {
        this.file = file;
        this.pos = pos;
        this.row = row;
        this.nextPos = nextPos;
        this.complete = complete;
        this.gtid = gtid;
        this.gtids = gtids;
        this.snapshot = snapshot;
        this.snapshotTable = snapshotTable;
        this.snapshotRows = snapshotRows;
        this.snapshotDone = snapshotDone;
        this.backfill = backfill;
        this.backfillRows = backfillRows;
        this.snapshotProgress = snapshotProgress;
    }

    /**
     * This position inside the backfill of {@code table}, after its {@code rows}-th row: a restart from here
     * re-reads that table before it goes on.
     */
    MySqlPosition inBackfill(String table, long rows) {
        return new MySqlPosition(file, pos, row, nextPos, complete, gtid, gtids, snapshot, snapshotTable, snapshotRows,
                snapshotDone, table, rows);
    }

    /**
     * As {@link #inBackfill(String, long)}, where {@code readFrom} holds the table's rows and key up to the chunk
     * this row is in: a restart continues reading after that key (offsets topic only, as a snapshot's progress).
     */
    MySqlPosition inBackfill(String table, long rows, SnapshotProgress readFrom) {
        return new MySqlPosition(file, pos, row, nextPos, complete, gtid, gtids, snapshot, snapshotTable, snapshotRows,
                snapshotDone, table, rows, readFrom);
    }

    /**
     * The {@code row}-th change (from 0) of the transaction starting at {@code file:pos}, whose GTID is
     * {@code gtid}; {@code gtidsBefore} excludes that transaction.
     */
    static MySqlPosition row(String file, long pos, int row, String gtid, String gtidsBefore) {
        return new MySqlPosition(file, pos, row, 0, false, gtid, gtidsBefore, false, null, 0, false);
    }

    /**
     * After the transaction starting at {@code file:pos}; the next one may start at {@code nextPos}.
     * {@code gtidsAfter} includes the transaction.
     */
    static MySqlPosition commit(String file, long pos, int lastRow, long nextPos, String gtid, String gtidsAfter) {
        return new MySqlPosition(file, pos, lastRow, nextPos, true, gtid, gtidsAfter, false, null, 0, false);
    }

    /**
     * The {@code rows}-th snapshot row of {@code table}, read for the snapshot consistent with {@code file:pos}
     * (after the transactions in {@code gtids}, null without GTIDs); {@code progress} is what a resume from here
     * may skip.
     */
    static MySqlPosition snapshotRow(String file, long pos, String gtids, String table, long rows,
                                     SnapshotProgress progress) {
        return new MySqlPosition(file, pos, -1, 0, false, null, gtids, true, table, rows, false, null, 0, progress);
    }

    /** The snapshot is complete; streaming continues at {@code file:pos}, after the transactions in {@code gtids}. */
    static MySqlPosition snapshotDone(String file, long pos, String gtids) {
        return new MySqlPosition(file, pos, -1, pos, true, null, gtids, true, null, 0, true);
    }

    /** Reads back what {@link #describe} wrote, lenient about Integer vs Long and numbers as strings. */
    static MySqlPosition fromResume(Map<String, Object> m) {
        Object file = m.get(FILE);
        Object gtid = m.get(GTID);
        Object gtids = m.get(GTIDS);
        Object table = m.get(SNAPSHOT_TABLE);
        Object backfill = m.get(BACKFILL);
        Object progress = m.get(SNAPSHOT_PROGRESS);
        if (file == null) {
            throw new IllegalArgumentException("resume position has no \"" + FILE + "\" field: " + m);
        }
        return new MySqlPosition(file.toString(), number(m.get(POS), 4), (int) number(m.get(ROW), -1),
                number(m.get(NEXT_POS), 0), bool(m.get(COMPLETE)), gtid == null ? null : gtid.toString(),
                gtids == null ? null : gtids.toString(), bool(m.get(SNAPSHOT)), table == null ? null : table.toString(),
                number(m.get(SNAPSHOT_ROWS), 0), bool(m.get(SNAPSHOT_DONE)),
                backfill == null ? null : backfill.toString(), number(m.get(BACKFILL_ROWS), 0),
                progress == null ? null : SnapshotProgress.decode(progress.toString()));
    }

    /** Where the binlog client must start to hand over everything after this position. */
    long startPos() {
        return complete ? nextPos : pos;
    }

    /** Whether resuming by GTID set is possible: the position has a non-empty one. */
    boolean hasGtids() {
        return gtids != null && !gtids.isEmpty();
    }

    /**
     * Whether resuming after this position must not hand over row {@code rowIndex} of a transaction: the one named
     * by the same GTID, or without GTIDs the one starting at the same file and position.
     */
    boolean skips(String txFile, long txPos, String txGtid, int rowIndex) {
        if (complete || rowIndex > row) {
            return false;
        }
        return gtid != null && txGtid != null ? gtid.equals(txGtid) : file.equals(txFile) && pos == txPos;
    }

    /** A snapshot was started but not finished: it must be resumed or redone. */
    boolean snapshotInterrupted() {
        return snapshot && !snapshotDone;
    }

    @Override
    public void describe(Fields out) {
        out.put(FILE, file);
        out.put(POS, pos);
        out.put(ROW, row);
        out.put(COMPLETE, complete);
        if (complete) {
            out.put(NEXT_POS, nextPos);
        }
        if (gtid != null) {
            out.put(GTID, gtid);
        }
        out.put(SNAPSHOT, snapshot);
        if (snapshot) {
            if (snapshotTable != null) {
                out.put(SNAPSHOT_TABLE, snapshotTable);
                out.put(SNAPSHOT_ROWS, snapshotRows);
            }
            out.put(SNAPSHOT_DONE, snapshotDone);
        }
        if (backfill != null) {
            out.put(BACKFILL, backfill);
            out.put(BACKFILL_ROWS, backfillRows);
        }
    }

    @Override
    public void describeResume(Fields out) {
        if (gtids != null) {
            out.put(GTIDS, gtids);
        }
        if (snapshotProgress != null) {
            out.put(SNAPSHOT_PROGRESS, snapshotProgress.encode());
        }
    }

    @Override
    public String toString() {
        if (snapshot) {
            return snapshotDone ? "snapshot done at " + file + ":" + pos
                    : "snapshot of " + snapshotTable + " row " + snapshotRows;
        }
        String at = file + ":" + pos + (gtid == null ? "" : " (gtid " + gtid + ")")
                + (backfill == null ? "" : " backfilling " + backfill + " row " + backfillRows);
        return complete ? at + " committed" : at + "#" + row;
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
}
