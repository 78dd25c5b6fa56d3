package io.ferry.postgres;

import io.ferry.core.ChangeEvent;
import io.ferry.core.ChangeHandler;
import io.ferry.core.FerryException;
import io.ferry.core.Operation;
import io.ferry.core.TableId;
import io.ferry.core.TableSelector;
import io.ferry.core.TableSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Reads every captured table in key chunks (keyset pagination; a table keyed by its whole row through one cursor),
 * on up to {@link #MAX_WORKERS} connections, either as of an exported snapshot (each connection imports it into
 * one REPEATABLE READ transaction) or, resuming a snapshot whose exported snapshot is gone, as the rows are now
 * (READ COMMITTED, one statement per chunk). Workers decode rows and pass chunks through a bounded queue to the
 * calling thread, which alone talks to the handler and keeps the {@link SnapshotProgress} each event carries.
 */
final class SnapshotReader {

    static final int MAX_WORKERS = 4;

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

    /** Rows of one table; {@code lastKey} is the array text of the last row's key, null for a keyless table. */
    private record Chunk(Table table, List<Object[]> rows, String lastKey, boolean last) {
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
    private SnapshotProgress progress;

    /**
     * @param snapshotName the exported snapshot to read in, or null to read the rows as they are now
     * @param progress     what an interrupted snapshot already handed over ({@link SnapshotProgress#NONE} if nothing)
     */
    SnapshotReader(PgConnections connections, List<Table> tables, String snapshotName, long consistentPoint,
                   int chunkRows, SnapshotProgress progress) {
        this.connections = connections;
        this.tables = tables;
        this.snapshotName = snapshotName;
        this.consistentPoint = consistentPoint;
        this.chunkRows = chunkRows;
        this.progress = progress;
    }

    /**
     * Copies all tables, handing {@code r} events to the handler. Returns {@code false} if {@code stopped}
     * became true first.
     */
    boolean read(ChangeHandler handler, SchemaAnnouncer announcer, BooleanSupplier stopped) throws InterruptedException {
        ConcurrentLinkedQueue<Table> todo = new ConcurrentLinkedQueue<>();
        for (Table t : tables) {
            if (!t.done) {
                todo.add(t);
            }
        }
        BlockingQueue<Object> out = new ArrayBlockingQueue<>(2 * MAX_WORKERS);
        int workers = Math.max(1, Math.min(MAX_WORKERS, todo.size()));
        List<Thread> threads = new ArrayList<>();
        long readMicros = System.currentTimeMillis() * 1000;
        for (int i = 0; i < workers; i++) {
            Thread t = new Thread(() -> work(todo, out), "ferry-snapshot-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        int running = workers;
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
                    hand((Chunk) item, handler, announcer, readMicros);
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

    private void work(ConcurrentLinkedQueue<Table> todo, BlockingQueue<Object> out) {
        Connection c = null;
        try {
            c = connections.regular();
            if (snapshotName != null) {
                c.setAutoCommit(false);
                c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
                try (Statement st = c.createStatement()) {
                    st.execute("SET TRANSACTION SNAPSHOT '" + snapshotName.replace("'", "''") + "'");
                }
            } else {
                c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            }
            Table table;
            while ((table = todo.poll()) != null) {
                copy(c, table, out);
            }
            if (snapshotName != null) {
                c.commit();
            }
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

    private void copy(Connection c, Table table, BlockingQueue<Object> out) throws SQLException, InterruptedException {
        TableSchema shape = table.relation.shape;
        int[] key = shape.keyIndexes();
        StringBuilder cols = new StringBuilder();
        for (String name : shape.columnNames()) {
            cols.append(cols.length() == 0 ? "" : ", ").append(TableSelector.quote(name));
        }
        StringBuilder keyList = new StringBuilder();
        StringBuilder params = new StringBuilder();
        for (int k : key) {
            keyList.append(keyList.length() == 0 ? "" : ", ").append(TableSelector.quote(shape.columns().get(k).name()));
            params.append(params.length() == 0 ? "?" : ", ?");
        }
        String from = "SELECT " + cols + " FROM " + TableSelector.quote(shape.table());
        if (shape.primaryKey().isEmpty()) {
            if (table.truncateFirst) {
                out.put(new Restart(table));
            }
            copyWhole(c, table, from, out);
            return;
        }
        String order = " ORDER BY " + keyList + " LIMIT " + chunkRows;
        String first = from + order;
        String next = from + " WHERE (" + keyList + ") > (" + params + ")" + order;
        ValueDecoder[] decoders = table.relation.decoders;
        String[] lastKey = table.resumeAfter == null ? null : Backfill.parseKey(table.resumeAfter);
        String[] rowKey = new String[key.length];
        while (true) {
            List<Object[]> rows = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(lastKey == null ? first : next)) {
                if (lastKey != null) {
                    for (int i = 0; i < lastKey.length; i++) {
                        ps.setObject(i + 1, lastKey[i], Types.OTHER);
                    }
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Object[] row = new Object[decoders.length];
                        for (int i = 0; i < decoders.length; i++) {
                            String text = rs.getString(i + 1);
                            row[i] = text == null ? null : decoders[i].decode(text);
                        }
                        for (int k = 0; k < key.length; k++) {
                            rowKey[k] = rs.getString(key[k] + 1);
                        }
                        rows.add(row);
                    }
                }
            }
            boolean last = rows.size() < chunkRows;
            if (!rows.isEmpty()) {
                lastKey = rowKey.clone();
            }
            out.put(new Chunk(table, rows, lastKey == null ? null : Backfill.keyText(lastKey), last));
            if (last) {
                return;
            }
        }
    }

    /**
     * A table whose whole row is its identity: keyset pages would skip identical rows and cannot compare NULLs,
     * so one cursor reads it in chunks inside one transaction (the snapshot's, or its own).
     */
    private void copyWhole(Connection c, Table table, String select, BlockingQueue<Object> out)
            throws SQLException, InterruptedException {
        ValueDecoder[] decoders = table.relation.decoders;
        boolean ownTransaction = c.getAutoCommit();
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement(select)) {
            ps.setFetchSize(chunkRows);
            try (ResultSet rs = ps.executeQuery()) {
                List<Object[]> rows = new ArrayList<>();
                while (rs.next()) {
                    Object[] row = new Object[decoders.length];
                    for (int i = 0; i < decoders.length; i++) {
                        String text = rs.getString(i + 1);
                        row[i] = text == null ? null : decoders[i].decode(text);
                    }
                    rows.add(row);
                    if (rows.size() == chunkRows) {
                        out.put(new Chunk(table, rows, null, false));
                        rows = new ArrayList<>();
                    }
                }
                out.put(new Chunk(table, rows, null, true));
            }
        }
        if (ownTransaction) {
            c.commit();
            c.setAutoCommit(true);
        }
    }
}
