package io.ferry.postgres;

import io.ferry.core.ChangeEvent;
import io.ferry.core.ChangeHandler;
import io.ferry.core.FerryException;
import io.ferry.core.Operation;
import io.ferry.core.TableId;
import io.ferry.core.TableSelector;
import io.ferry.core.TableSchema;
import io.ferry.core.snapshot.ChunkOrder;
import io.ferry.core.snapshot.ChunkSchedule;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Reads every captured table in key chunks, on up to {@code readers} connections, either as of an exported snapshot
 * (each connection imports it into one REPEATABLE READ transaction) or, resuming a snapshot whose exported snapshot is
 * gone, as the rows are now (a REPEATABLE READ transaction per key range, or per keyless table). A keyed table is
 * split into key ranges of {@code chunkRows} rows ({@link ChunkSchedule}) that several connections read at once; a
 * table keyed by its whole row is read by one connection through one cursor. Workers decode rows and pass chunks
 * through a bounded queue to the calling thread, which puts each table's chunks back in key order
 * ({@link ChunkOrder}) and alone talks to the handler and keeps the {@link SnapshotProgress} each event carries.
 */
final class SnapshotReader {

    /** One table to copy and its progress, readable from any thread. */
    static final class Table {
        final PgRelation relation;
        final long estimatedRows;
        /** The last key an interrupted snapshot handed over (array text): reading goes on after it. */
        final String resumeAfter;
        /** A table keyed by its whole row that an interrupted snapshot had begun: emptied at the target first. */
        final boolean truncateFirst;
        volatile long rowsDone;
        volatile long chunksDone;
        volatile boolean done;

        Table(PgRelation relation, long estimatedRows) {
            this(relation, estimatedRows, null, false, 0, 0, false);
        }

        private Table(PgRelation relation, long estimatedRows, String resumeAfter, boolean truncateFirst,
                      long rowsDone, long chunksDone, boolean done) {
            this.relation = relation;
            this.estimatedRows = estimatedRows;
            this.resumeAfter = resumeAfter;
            this.truncateFirst = truncateFirst;
            this.rowsDone = rowsDone;
            this.chunksDone = chunksDone;
            this.done = done;
        }

        /** The table as an interrupted snapshot left it: done, read on after its last key, or redone whole. */
        static Table resumed(PgRelation relation, long estimatedRows, SnapshotProgress.Table was) {
            if (was.done()) {
                return new Table(relation, estimatedRows, null, false, was.rows(), was.chunks(), true);
            }
            if (relation.shape.primaryKey().isEmpty()) {
                return new Table(relation, estimatedRows, null, true, 0, 0, false);
            }
            return new Table(relation, estimatedRows, was.lastKey(), false, was.rows(), was.chunks(), false);
        }

        TableId id() {
            return relation.shape.table();
        }
    }

    /**
     * Rows of one table, its {@code seq}-th chunk; {@code lastKey} is the array text of the last key the chunk covers,
     * null for a keyless table.
     */
    private record Chunk(Table table, long seq, List<Object[]> rows, String lastKey, boolean last) {
    }

    /** A keyless table that is read again from its start: its rows at the target go first. */
    private record Restart(Table table) {
    }

    private record Failure(Exception error) {
    }

    private static final Object WORKER_DONE = new Object();

    private final PgConnections connections;
    private final List<Table> tables;
    private final String snapshotName;
    private final long consistentPoint;
    private final int chunkRows;
    private final int readers;
    private SnapshotProgress progress;

    /**
     * @param snapshotName the exported snapshot to read in, or null to read the rows as they are now
     * @param progress     what an interrupted snapshot already handed over ({@link SnapshotProgress#NONE} if nothing)
     * @param parallelism  at most this many connections read at once ({@code source.snapshot-parallelism})
     */
    SnapshotReader(PgConnections connections, List<Table> tables, String snapshotName, long consistentPoint,
                   int chunkRows, SnapshotProgress progress, int parallelism) {
        this.connections = connections;
        this.tables = tables;
        this.snapshotName = snapshotName;
        this.consistentPoint = consistentPoint;
        this.chunkRows = chunkRows;
        this.progress = progress;
        List<Long> estimates = new ArrayList<>();
        for (Table t : tables) {
            if (!t.done) {
                estimates.add(keyed(t) ? t.estimatedRows : 1);
            }
        }
        this.readers = ChunkSchedule.readers(parallelism, chunkRows, estimates);
    }

    /** How many connections read: no more than the tables' estimated chunks keep busy. */
    int readers() {
        return readers;
    }

    private static boolean keyed(Table t) {
        return !t.relation.shape.primaryKey().isEmpty();
    }

    /**
     * Copies all tables, handing {@code r} events to the handler. Returns {@code false} if {@code stopped}
     * became true first.
     */
    boolean read(ChangeHandler handler, SchemaAnnouncer announcer, BooleanSupplier stopped) throws InterruptedException {
        // Readers may run this many ranges of a table ahead of the one handed over next: the chunks held for
        // reordering stay below it.
        ChunkSchedule<Table> schedule = new ChunkSchedule<>(chunkRows, 2 * readers);
        for (Table t : tables) {
            if (!t.done) {
                schedule.add(t, keyed(t), t.resumeAfter == null ? null : Backfill.parseKey(t.resumeAfter));
            }
        }
        ChunkOrder<Table, Chunk> order = new ChunkOrder<>();
        BlockingQueue<Object> out = new ArrayBlockingQueue<>(2 * readers);
        List<Thread> threads = new ArrayList<>();
        long readMicros = System.currentTimeMillis() * 1000;
        for (int i = 0; i < readers; i++) {
            Thread t = new Thread(() -> work(schedule, out), "ferry-snapshot-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        int running = readers;
        try {
            while (running > 0) {
                if (stopped.getAsBoolean()) {
                    return false;
                }
                Object item = out.poll(100, TimeUnit.MILLISECONDS);
                if (item == null) {
                    continue;
                }
                if (item == WORKER_DONE) {
                    running--;
                } else if (item instanceof Failure f) {
                    throw f.error() instanceof FerryException fe ? fe
                            : new FerryException("snapshot failed: " + PgConnections.firstLine(f.error()), f.error(), true);
                } else if (item instanceof Restart r) {
                    // The progress before the restart still says the table is under way: a crash now starts it over
                    // again, TRUNCATE first.
                    TableSchema schema = announcer.announce(r.table().relation, handler);
                    handler.change(new ChangeEvent(Operation.TRUNCATE, schema, null, null,
                            PgPosition.snapshotRow(consistentPoint, r.table().id().toString(), 0, progress), -1,
                            readMicros));
                    progress = progress.restarted(r.table().id());
                } else {
                    Chunk chunk = (Chunk) item;
                    for (Chunk due : order.arrived(chunk.table(), chunk.seq(), chunk)) {
                        hand(due, handler, announcer, readMicros);
                        schedule.handedOver(due.table());
                    }
                }
            }
            return true;
        } finally {
            for (Thread t : threads) {
                t.interrupt();
            }
            for (Thread t : threads) {
                t.join(5_000);
            }
        }
    }

    /**
     * Hands over one chunk. Its events carry the progress as before it, its last event the progress after it, so
     * a committed position never counts rows that are not committed with it.
     */
    private void hand(Chunk chunk, ChangeHandler handler, SchemaAnnouncer announcer, long readMicros) {
        Table table = chunk.table();
        TableSchema schema = announcer.announce(table.relation, handler);
        String name = table.id().toString();
        long n = table.rowsDone;
        SnapshotProgress before = progress;
        SnapshotProgress after = progress.afterChunk(table.id(), n + chunk.rows().size(), chunk.lastKey(),
                chunk.last());
        int left = chunk.rows().size();
        for (Object[] row : chunk.rows()) {
            n++;
            handler.change(new ChangeEvent(Operation.READ, schema, null, row,
                    PgPosition.snapshotRow(consistentPoint, name, n, --left == 0 ? after : before), -1, readMicros));
        }
        progress = after;
        table.rowsDone = n;
        table.chunksDone++;
        if (chunk.last()) {
            table.done = true;
        }
    }

    private void work(ChunkSchedule<Table> schedule, BlockingQueue<Object> out) {
        Connection c = null;
        try {
            c = connections.regular();
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            if (snapshotName != null) {
                try (Statement st = c.createStatement()) {
                    st.execute("SET TRANSACTION SNAPSHOT '" + snapshotName.replace("'", "''") + "'");
                }
            }
            Connection reader = c;
            ChunkSchedule.Range<Table> range;
            while ((range = schedule.take((t, after, rows) -> boundary(reader, t, after, rows))) != null) {
                if (range.whole()) {
                    copyWhole(c, range.table(), out);
                } else {
                    copy(c, range, schedule, out);
                }
                if (snapshotName == null) {
                    // Rows as they are now: a range is read in the transaction its boundary was found in, so it holds
                    // exactly the rows the boundary counted; the next one sees the rows as they are then.
                    c.commit();
                }
            }
            c.commit();
            out.put(WORKER_DONE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            Exception error = e instanceof SQLException sql ? connections.lost(sql) : e;
            out.offer(new Failure(error));
        } finally {
            PgConnections.closeQuietly(c);
        }
    }

    /** The key {@code rows} rows after {@code after} (null: from the start) in key order, null when fewer follow. */
    private String[] boundary(Connection c, Table table, String[] after, int rows) throws SQLException {
        TableSchema shape = table.relation.shape;
        String keyList = keyList(shape);
        String sql = "SELECT " + keyList + " FROM " + TableSelector.quote(shape.table())
                + (after == null ? "" : " WHERE (" + keyList + ") > (" + params(after.length) + ")")
                + " ORDER BY " + keyList + " OFFSET " + (rows - 1) + " LIMIT 1";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, 1, after);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                String[] key = new String[shape.keyIndexes().length];
                for (int k = 0; k < key.length; k++) {
                    key[k] = rs.getString(k + 1);
                }
                return key;
            }
        }
    }

    /**
     * Reads one key range of a keyed table: {@code (from, to]}, or for the tail at most {@code chunkRows} rows after
     * {@code from}, which ends the table unless it filled up.
     */
    private void copy(Connection c, ChunkSchedule.Range<Table> range, ChunkSchedule<Table> schedule,
                      BlockingQueue<Object> out) throws SQLException, InterruptedException {
        Table table = range.table();
        TableSchema shape = table.relation.shape;
        int[] key = shape.keyIndexes();
        String keyList = keyList(shape);
        List<String> where = new ArrayList<>();
        if (range.from() != null) {
            where.add("(" + keyList + ") > (" + literals(range.from()) + ")");
        }
        if (range.to() != null) {
            where.add("(" + keyList + ") <= (" + literals(range.to()) + ")");
        }
        String sql = "SELECT " + columnList(shape) + " FROM " + TableSelector.quote(shape.table())
                + (where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where)) + " ORDER BY " + keyList
                + (range.tail() ? " LIMIT " + chunkRows : "");
        ValueDecoder[] decoders = table.relation.decoders;
        List<Object[]> rows = new ArrayList<>();
        String[] lastRowKey = null;
        // COPY rather than a SELECT: the same column texts, at less server CPU per row.
        try (CopyOutRows copy = new CopyOutRows(c, sql, decoders.length)) {
            String[] texts;
            while ((texts = copy.next()) != null) {
                rows.add(decodedRow(texts, decoders));
                if (range.tail()) {
                    lastRowKey = new String[key.length];
                    for (int k = 0; k < key.length; k++) {
                        lastRowKey[k] = texts[key[k]];
                    }
                }
            }
        }
        String[] lastKey = range.to() != null ? range.to() : lastRowKey != null ? lastRowKey : range.from();
        boolean last = range.tail() && rows.size() < chunkRows;
        if (range.tail()) {
            schedule.tailRead(range, !last, lastKey);
        }
        out.put(new Chunk(table, range.seq(), rows, lastKey == null ? null : Backfill.keyText(lastKey), last));
    }

    private static Object[] decodedRow(ResultSet rs, ValueDecoder[] decoders) throws SQLException {
        Object[] row = new Object[decoders.length];
        for (int i = 0; i < decoders.length; i++) {
            String text = rs.getString(i + 1);
            row[i] = text == null ? null : decoders[i].decode(text);
        }
        return row;
    }

    private static Object[] decodedRow(String[] texts, ValueDecoder[] decoders) {
        Object[] row = new Object[decoders.length];
        for (int i = 0; i < decoders.length; i++) {
            String text = texts[i];
            row[i] = text == null ? null : decoders[i].decode(text);
        }
        return row;
    }

    /**
     * Key texts as SQL literals for a COPY, which takes no parameters: escape-string literals of unknown type, which
     * the comparison with the key columns types as a bound parameter of type OTHER was.
     */
    private static String literals(String[] key) {
        List<String> out = new ArrayList<>();
        for (String k : key) {
            out.add("E'" + k.replace("\\", "\\\\").replace("'", "''") + "'");
        }
        return String.join(", ", out);
    }

    private static int bind(PreparedStatement ps, int index, String[] key) throws SQLException {
        for (int i = 0; key != null && i < key.length; i++) {
            ps.setObject(index++, key[i], Types.OTHER);
        }
        return index;
    }

    private static String keyList(TableSchema shape) {
        List<String> keys = new ArrayList<>();
        for (int k : shape.keyIndexes()) {
            keys.add(TableSelector.quote(shape.columns().get(k).name()));
        }
        return String.join(", ", keys);
    }

    private static String columnList(TableSchema shape) {
        List<String> cols = new ArrayList<>();
        for (String name : shape.columnNames()) {
            cols.add(TableSelector.quote(name));
        }
        return String.join(", ", cols);
    }

    private static String params(int n) {
        return String.join(", ", Collections.nCopies(n, "?"));
    }

    /**
     * A table whose whole row is its identity: keyset pages would skip identical rows and cannot compare NULLs,
     * so one cursor reads it in chunks inside one transaction (the snapshot's, or its own).
     */
    private void copyWhole(Connection c, Table table, BlockingQueue<Object> out)
            throws SQLException, InterruptedException {
        if (table.truncateFirst) {
            out.put(new Restart(table));
        }
        String select = "SELECT " + columnList(table.relation.shape) + " FROM "
                + TableSelector.quote(table.relation.shape.table());
        ValueDecoder[] decoders = table.relation.decoders;
        long seq = 0;
        try (PreparedStatement ps = c.prepareStatement(select)) {
            ps.setFetchSize(chunkRows);
            try (ResultSet rs = ps.executeQuery()) {
                List<Object[]> rows = new ArrayList<>();
                while (rs.next()) {
                    rows.add(decodedRow(rs, decoders));
                    if (rows.size() == chunkRows) {
                        out.put(new Chunk(table, seq++, rows, null, false));
                        rows = new ArrayList<>();
                    }
                }
                out.put(new Chunk(table, seq, rows, null, true));
            }
        }
    }
}
