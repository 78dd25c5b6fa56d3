package io.ferry.mysql;

import io.ferry.core.ChangeEvent;
import io.ferry.core.ChangeHandler;
import io.ferry.core.Operation;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A keyed table's copy, read in key-ordered chunks between the binlog's transactions and reconciled with the stream
 * by watermarks, as in Netflix's DBLog: a chunk is read in its own short consistent-snapshot transaction, then held
 * until the stream has handed over every transaction the read could have seen (the high watermark, a binlog
 * position). Keys the stream changes meanwhile leave the chunk, since the stream carried them as full row images at
 * least as new; the rest is handed over as {@code r} events. So the source holds no long transaction and the other
 * tables stream on while a large table is copied.
 *
 * <p>Why no row arrives older than a change already handed over. A transaction is written to the binlog before its
 * storage engine commits it (two-phase commit: InnoDB prepare, binlog flush and sync, engine commit), so every
 * transaction the read saw lies before a binlog position read after it: the stream hands it over before the chunk,
 * and its keys leave the chunk. The other way round is the narrow case: the binlog dump sends a group once synced,
 * before its commit stage, so the stream can hand over a transaction the read that follows does not see yet. Engine
 * commits follow the binlog's order ({@code binlog_order_commits=ON}, MySQL's default; MariaDB always), and the low
 * watermark covers that gap: the keys the stream handed over since the hand-over before last (two chunk cycles back)
 * also leave the chunk. On MariaDB the read also names the binlog position its snapshot is consistent with
 * ({@code binlog_snapshot_position}); that is the high watermark, and a read whose snapshot lies before the low
 * watermark while the stream is past it (a transaction stayed uncommitted across a whole chunk cycle) is dropped and
 * read again, so there the rule is exact. Dropping a key is always safe: the stream handed it over, as a full row
 * image ({@code binlog_row_image=FULL}), after the copy began.
 *
 * <p>Every position the stream hands over meanwhile carries the copy's progress ({@link #mark}): the key its current
 * chunk begins after, so a restart reads that chunk again and goes on alongside the stream. Capture thread only.
 */
final class ChunkedCopy {

    private static final HexFormat HEX = HexFormat.of();
    /** How long a read waits when the catalog's columns are not the copy's (a DDL the stream has not reached yet). */
    private static final long RESHAPE_WAIT_MILLIS = 500;
    /** How long a read waits after one whose snapshot was older than the low watermark's window. */
    private static final long REREAD_MILLIS = 50;

    private final TableId table;
    private final String name;
    private final int chunkRows;
    private final boolean mariaDb;
    private final Runnable finished;
    private TableSchema schema;
    private String[] lastKey;
    private long rows;
    private long chunks;
    /** What every position carries while no chunk is handed over: the rows and key handed over so far. */
    private SnapshotProgress progress;
    /** The chunk read and not yet handed over, by key; null when none is held. */
    private Map<List<String>, Object[]> held;
    private String[] heldLastKey;
    private boolean heldIsLast;
    private String watermarkFile;
    private long watermarkPos;
    /** Keys the stream handed over since the last hand-over, and in the cycle before it: the low watermark's window. */
    private Set<List<String>> changedNow = new HashSet<>();
    private Set<List<String>> changedBefore = new HashSet<>();
    /** Where the stream stood at the hand-over before last, where the window begins; null before the first read. */
    private String windowFile;
    private long windowPos = -1;
    private String lastHandOverFile;
    private long lastHandOverPos = -1;
    private long nextReadAt;

    /**
     * @param afterKey   the key text a chunk handed over by an earlier run ended at, or null to start at the first row
     * @param rowsBefore rows handed over by an earlier run
     * @param finished   called once the last chunk was handed over
     */
    ChunkedCopy(TableSchema schema, String[] afterKey, long rowsBefore, int chunkRows, boolean mariaDb,
                Runnable finished) {
        if (schema.primaryKey().isEmpty()) {
            throw new IllegalArgumentException(schema.table() + " has no key to read in chunks by");
        }
        this.table = schema.table();
        this.name = table.toString();
        this.schema = schema;
        this.lastKey = afterKey;
        this.rows = rowsBefore;
        this.chunkRows = chunkRows;
        this.mariaDb = mariaDb;
        this.finished = finished;
        this.progress = SnapshotProgress.EMPTY.after(name, rows, 0, lastKey, false);
    }

    TableId table() {
        return table;
    }

    TableSchema schema() {
        return schema;
    }

    long rows() {
        return rows;
    }

    /** Whether a chunk is held, waiting for the stream to reach its high watermark. */
    boolean holds() {
        return held != null;
    }

    /** Whether the next chunk may be read now. */
    boolean mayRead() {
        return held == null && System.currentTimeMillis() >= nextReadAt;
    }

    /**
     * Reads the next chunk with the copy's schema and its high watermark, the stream having handed over everything
     * before {@code streamFile:streamPos}. Returns false when the table is gone.
     */
    boolean read(Connection c, String streamFile, long streamPos) throws SQLException {
        if (windowFile == null) {
            // The window runs from the copy's start, which is no later than this point.
            windowFile = streamFile;
            windowPos = streamPos;
            lastHandOverFile = streamFile;
            lastHandOverPos = streamPos;
        }
        TableDef now = new Catalog(c).describe(table);
        if (now == null) {
            return false;
        }
        if (!now.columnNames().equals(schema.columnNames()) || !now.catalogKey) {
            // A DDL the stream has not reached yet: its new shape comes with it (reshaped), then the read goes on.
            nextReadAt = System.currentTimeMillis() + RESHAPE_WAIT_MILLIS;
            return true;
        }
        TableReader.Chunk chunk;
        String snapshotFile = null;
        long snapshotPos = -1;
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
            if (mariaDb) {
                try (ResultSet rs = st.executeQuery("SHOW SESSION STATUS LIKE 'binlog_snapshot_%'")) {
                    while (rs.next()) {
                        if (rs.getString(1).equalsIgnoreCase("binlog_snapshot_file")) {
                            snapshotFile = rs.getString(2);
                        } else if (rs.getString(1).equalsIgnoreCase("binlog_snapshot_position")) {
                            snapshotPos = rs.getLong(2);
                        }
                    }
                }
            }
            chunk = TableReader.chunk(c, table, now.columns, schema.keyIndexes(), lastKey, chunkRows);
            c.commit();
        } finally {
            c.setAutoCommit(autoCommit);
        }
        if (snapshotFile != null && !snapshotFile.isEmpty() && snapshotPos >= 0) {
            if (after(streamFile, streamPos, snapshotFile, snapshotPos)
                    && after(windowFile, windowPos, snapshotFile, snapshotPos)) {
                // The stream handed over transactions this snapshot does not show, some before the window began:
                // they commit in a moment, and the chunk is read again then.
                nextReadAt = System.currentTimeMillis() + REREAD_MILLIS;
                return true;
            }
            watermarkFile = snapshotFile;
            watermarkPos = snapshotPos;
        } else {
            // Read after the chunk's transaction ended: every transaction the chunk shows is before this point.
            try (Statement st = c.createStatement(); ResultSet rs = BinlogCatchUp.status(st)) {
                if (!rs.next()) {
                    throw new SQLException("the server reports no binlog position");
                }
                watermarkFile = rs.getString(1);
                watermarkPos = rs.getLong(2);
            }
        }
        Map<List<String>, Object[]> rowsByKey = new LinkedHashMap<>();
        int[] key = schema.keyIndexes();
        for (Object[] row : chunk.rows()) {
            List<String> k = keyOf(row, key);
            if (!changedNow.contains(k) && !changedBefore.contains(k)) {
                rowsByKey.put(k, row);
            }
        }
        held = rowsByKey;
        heldLastKey = chunk.lastKey();
        heldIsLast = chunk.last();
        return true;
    }

    /** The stream hands over a change of this table: its keys leave the held chunk, and the next one read. */
    void changed(Object[] before, Object[] after) {
        int[] key = schema.keyIndexes();
        for (Object[] row : new Object[][] {before, after}) {
            if (row != null) {
                List<String> k = keyOf(row, key);
                changedNow.add(k);
                if (held != null) {
                    held.remove(k);
                }
            }
        }
    }

    /** The table was emptied in the stream: nothing the held chunk read is there any more. */
    void truncated() {
        if (held != null) {
            held.clear();
        }
    }

    /** The table's schema as announced now: a new version drops the held chunk, read again with it. */
    void reshaped(TableSchema now) {
        if (now.version() == schema.version()) {
            return;
        }
        schema = now;
        held = null;
    }

    /** Whether the held chunk may be handed over, the stream having handed over everything before this point. */
    boolean due(String streamFile, long streamPos) {
        return held != null && !after(watermarkFile, watermarkPos, streamFile, streamPos);
    }

    /**
     * Hands the held chunk over at {@code at}, where the stream stands at {@code streamFile:streamPos}; returns whether
     * it was the table's last, after which the copy is finished. Each row's position names where the chunk began and
     * only the last one where it ends: a Kafka transaction may end inside the chunk, and resuming from there reads the
     * whole chunk again.
     */
    boolean handOver(MySqlPosition at, long eventMicros, ChangeHandler handler, String streamFile, long streamPos) {
        MySqlPosition inside = at.inBackfill(name, rows, progress);
        SnapshotProgress end = SnapshotProgress.EMPTY.after(name, rows + held.size(), chunks + 1, heldLastKey,
                heldIsLast);
        MySqlPosition last = at.inBackfill(name, rows + held.size(), end);
        int i = 0;
        for (Object[] row : held.values()) {
            handler.change(new ChangeEvent(Operation.READ, schema, null, row, ++i < held.size() ? inside : last, -1,
                    eventMicros));
        }
        rows += held.size();
        chunks++;
        lastKey = heldLastKey;
        progress = end;
        held = null;
        changedBefore = changedNow;
        changedNow = new HashSet<>();
        windowFile = lastHandOverFile;
        windowPos = lastHandOverPos;
        lastHandOverFile = streamFile;
        lastHandOverPos = streamPos;
        if (heldIsLast) {
            finished.run();
        }
        return heldIsLast;
    }

    /** Ends the copy without reading further: the table was read whole otherwise, or is gone. */
    void end() {
        held = null;
        finished.run();
    }

    /** {@code p} carrying this copy's progress, so that resuming from it goes on after the last key handed over. */
    MySqlPosition mark(MySqlPosition p) {
        return p.inBackfill(name, rows, progress);
    }

    /** Whether binlog position {@code file:pos} lies after {@code otherFile:otherPos}. */
    private static boolean after(String file, long pos, String otherFile, long otherPos) {
        int files = BinlogCatchUp.compareFiles(file, otherFile);
        return files != 0 ? files > 0 : pos > otherPos;
    }

    /** A row's key as text: values of a column compare alike whether the binlog or a query gave them. */
    private static List<String> keyOf(Object[] row, int[] key) {
        List<String> out = new ArrayList<>(key.length);
        for (int k : key) {
            Object v = row[k];
            out.add(v instanceof byte[] b ? HEX.formatHex(b) : String.valueOf(v));
        }
        return out;
    }
}
