package io.ferry.postgres;

import io.ferry.core.ChangeEvent;
import io.ferry.core.ChangeHandler;
import io.ferry.core.Operation;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TableSelector;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A keyed table's copy, read in key-ordered chunks between the stream's transactions and reconciled with the stream
 * by watermarks, as in Netflix's DBLog: a chunk is read in its own short transaction, then held until the stream has
 * handed over every transaction that could have committed before the read ended (the WAL insert position read after
 * it: the high watermark). Keys those transactions changed leave the chunk, since the stream carried them with
 * values at least as new; the rest is handed over as {@code r} events. So no row arrives older than a change already
 * handed over, the source holds no long transaction, and the other tables stream on while a large table is copied.
 *
 * <p>Every position the stream hands over meanwhile carries the copy's progress ({@link #mark}), so a restart goes
 * on after the last key handed over. Capture thread only.
 */
final class ChunkedCopy {

    private static final HexFormat HEX = HexFormat.of();

    private final TableId table;
    private final String name;
    private final int chunkRows;
    private final Runnable finished;
    private TableSchema schema;
    private ValueDecoder[] decoders;
    private String[] lastKey;
    private long rows;
    /** The chunk read and not yet handed over, by key; null when none is held. */
    private Map<List<Object>, Object[]> held;
    /** Rows of the held chunk that the stream changed meanwhile, as it handed them over. */
    private final Map<List<Object>, Object[]> taken = new HashMap<>();
    private String[] heldLastKey;
    private boolean heldIsLast;
    private long highWatermark;
    private long readAtMillis;
    private long nextReadAt;
    /** A flush position read at least {@code wal_writer_delay} after the chunk; -1 until then. */
    private long flushedWatermark = -1;

    /**
     * @param afterKey  the last key handed over by an earlier run (array text), or null to start at the first row
     * @param finished  called once the last chunk was handed over
     */
    ChunkedCopy(TableSchema schema, ValueDecoder[] decoders, String afterKey, long rowsBefore, int chunkRows,
                Runnable finished) {
        if (schema.primaryKey().isEmpty()) {
            throw new IllegalArgumentException(schema.table() + " has no key to read in chunks by");
        }
        this.table = schema.table();
        this.name = TableSelector.quote(table);
        this.schema = schema;
        this.decoders = decoders;
        this.lastKey = afterKey == null ? null : Backfill.parseKey(afterKey);
        this.rows = rowsBefore;
        this.chunkRows = chunkRows;
        this.finished = finished;
    }

    TableId table() {
        return table;
    }

    /** When the next chunk may be read ({@link #readAgainAfter}). */
    long nextReadAt() {
        return nextReadAt;
    }

    /** A read failed in a way time mends (a column dropped, the new shape not seen yet): the next waits a while. */
    void readAgainAfter(long millis) {
        nextReadAt = System.currentTimeMillis() + millis;
    }

    /** Whether a chunk is held, waiting for the stream to reach its high watermark. */
    boolean holds() {
        return held != null;
    }

    /** Reads the next chunk with the table's current shape, and the high watermark after it. */
    void read(Connection c) throws SQLException {
        List<String> cols = new ArrayList<>();
        for (String col : schema.columnNames()) {
            cols.add(TableSelector.quote(col));
        }
        int[] key = schema.keyIndexes();
        List<String> keys = new ArrayList<>();
        for (int k : key) {
            keys.add(cols.get(k));
        }
        String keyList = String.join(", ", keys);
        String sql = "SELECT " + String.join(", ", cols) + " FROM " + name
                + (lastKey == null ? "" : " WHERE (" + keyList + ") > ("
                        + String.join(", ", Collections.nCopies(key.length, "?")) + ")")
                + " ORDER BY " + keyList + " LIMIT " + chunkRows;
        Map<List<Object>, Object[]> chunk = new LinkedHashMap<>();
        String[] last = lastKey;
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; lastKey != null && i < lastKey.length; i++) {
                ps.setObject(i + 1, lastKey[i], Types.OTHER);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    last = new String[key.length];
                    for (int k = 0; k < key.length; k++) {
                        last[k] = rs.getString(key[k] + 1);
                    }
                    Object[] row = Backfill.row(rs, decoders);
                    chunk.put(keyOf(row), row);
                }
            }
        }
        // Read after the chunk's statement ended: every transaction the chunk shows committed before this point.
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn")) {
            rs.next();
            highWatermark = rs.getLong(1);
        }
        readAtMillis = System.currentTimeMillis();
        taken.clear();
        flushedWatermark = -1;
        held = chunk;
        heldLastKey = last;
        heldIsLast = chunk.size() < chunkRows;
    }

    /**
     * The stream hands over a change of this table: its keys leave the held chunk. Returns {@code after}, with the
     * values the stream left out (unchanged TOASTed columns) filled from the chunk's row of that key: the target may
     * not have the row yet, and the chunk's value is the one the change kept, since any change of it in between
     * came through here first. A key the stream left out drops the whole chunk, read again later.
     */
    Object[] changed(Object[] before, Object[] after) {
        if (held == null) {
            return after;
        }
        if (unchangedKey(before) || unchangedKey(after)) {
            held = null;
            return after;
        }
        Object[] base = null;
        if (before != null) {
            // A delete, or an update that moves the row to another key: nothing is left under the old one.
            List<Object> old = keyOf(before);
            base = taken(old);
            taken.remove(old);
        }
        if (after == null) {
            return null;
        }
        List<Object> key = keyOf(after);
        Object[] own = taken(key);
        base = own != null ? own : base;
        Object[] filled = after;
        for (int i = 0; i < after.length && base != null; i++) {
            if (after[i] == ChangeEvent.UNCHANGED) {
                filled = filled == after ? after.clone() : filled;
                filled[i] = base[i];
            }
        }
        taken.put(key, filled);
        return filled;
    }

    /** The held chunk's row of {@code key}, leaving the chunk, or the newest image the stream handed over since. */
    private Object[] taken(List<Object> key) {
        Object[] row = held.remove(key);
        return row != null ? row : taken.get(key);
    }

    private boolean unchangedKey(Object[] row) {
        if (row != null) {
            for (int k : schema.keyIndexes()) {
                if (row[k] == ChangeEvent.UNCHANGED) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The table was emptied in the stream: nothing the held chunk read is there any more. */
    void truncated() {
        taken.clear();
        if (held != null) {
            held.clear();
        }
    }

    /**
     * The table's schema as announced now: when it is a new version, the held chunk (read with the old one) is dropped
     * and read again with it.
     */
    void reshaped(TableSchema now, ValueDecoder[] nowDecoders) {
        if (now.version() == schema.version()) {
            return;
        }
        schema = now;
        decoders = nowDecoders;
        held = null;
        taken.clear();
    }

    /**
     * Whether the held chunk may be handed over at a point where every transaction committing before
     * {@code reachedLsn} was handed over.
     */
    boolean due(long reachedLsn) {
        return held != null && (WalInsertPosition.reached(reachedLsn, highWatermark)
                || (flushedWatermark >= 0 && reachedLsn >= flushedWatermark));
    }

    /**
     * Whether the stream waits for a high watermark that an idle server may not flush for a long time: the insert
     * position also counts records no commit waits for (a page pruned by the chunk's own read), which stay unflushed,
     * out of the walsender's reach, until other WAL fills their page.
     */
    boolean needsFlushedWatermark(long walWriterDelayMillis) {
        return held != null && flushedWatermark < 0
                && System.currentTimeMillis() - readAtMillis >= walWriterDelayMillis;
    }

    /**
     * The server's flush position, read at least {@code wal_writer_delay} after the chunk: every transaction the chunk
     * shows had its commit flushed by then (at once under synchronous_commit, by the WAL writer otherwise), so
     * reaching this position also means every one of them was handed over.
     */
    void flushedWatermark(long flushLsn) {
        flushedWatermark = flushLsn;
    }

    /**
     * Hands the held chunk over at stream position {@code at}; returns whether it was the table's last, after which
     * the copy is finished. Each row's position names where the chunk began and only the last one where it ends: a
     * Kafka transaction may end inside the chunk, and resuming from there reads the whole chunk again.
     */
    boolean handOver(PgPosition at, ChangeHandler handler) {
        long micros = System.currentTimeMillis() * 1000;
        PgPosition inside = PgPosition.backfill(at, name, lastKey == null ? null : Backfill.keyText(lastKey), rows);
        int i = 0;
        for (Object[] row : held.values()) {
            PgPosition p = ++i < held.size() ? inside
                    : PgPosition.backfill(at, name, Backfill.keyText(heldLastKey), rows + held.size());
            handler.change(new ChangeEvent(Operation.READ, schema, null, row, p, -1, micros));
        }
        rows += held.size();
        lastKey = heldLastKey;
        held = null;
        taken.clear();
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
    PgPosition mark(PgPosition p) {
        return p.withBackfill(name, lastKey == null ? null : Backfill.keyText(lastKey), rows);
    }

    private List<Object> keyOf(Object[] row) {
        int[] key = schema.keyIndexes();
        Object[] values = new Object[key.length];
        for (int i = 0; i < key.length; i++) {
            Object v = row[key[i]];
            // Arrays compare by identity: a bytea key compares by its hex text instead.
            values[i] = v instanceof byte[] b ? HEX.formatHex(b) : v;
        }
        return Arrays.asList(values);
    }
}
