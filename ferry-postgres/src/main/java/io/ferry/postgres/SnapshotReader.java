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
 * Reads every captured table as of an exported snapshot, in key chunks (keyset pagination; a table keyed by its
 * whole row through one cursor), on up to
 * {@link #MAX_WORKERS} connections that each import the snapshot into one REPEATABLE READ transaction. Workers
 * decode rows and pass chunks through a bounded queue to the calling thread, which alone talks to the handler.
 */
final class SnapshotReader {

    static final int MAX_WORKERS = 4;
    static final int CHUNK_ROWS = 10_000;

    /** One table to copy and its progress, readable from any thread. */
    static final class Table {
        final PgRelation relation;
        final long estimatedRows;
        volatile long rowsDone;
        volatile boolean done;

        Table(PgRelation relation, long estimatedRows) {
            this.relation = relation;
            this.estimatedRows = estimatedRows;
        }

        TableId id() {
            return relation.shape.table();
        }
    }

    private record Chunk(Table table, List<Object[]> rows, boolean last) {
    }

    private record Failure(Exception error) {
    }

    private static final Object WORKER_DONE = new Object();

    private final PgConnections connections;
    private final List<Table> tables;
    private final String snapshotName;
    private final long consistentPoint;

    SnapshotReader(PgConnections connections, List<Table> tables, String snapshotName, long consistentPoint) {
        this.connections = connections;
        this.tables = tables;
        this.snapshotName = snapshotName;
        this.consistentPoint = consistentPoint;
    }

    /**
     * Copies all tables, handing {@code r} events to the handler. Returns {@code false} if {@code stopped}
     * became true first.
     */
    boolean read(ChangeHandler handler, SchemaAnnouncer announcer, BooleanSupplier stopped) throws InterruptedException {
        ConcurrentLinkedQueue<Table> todo = new ConcurrentLinkedQueue<>(tables);
        BlockingQueue<Object> out = new ArrayBlockingQueue<>(2 * MAX_WORKERS);
        int workers = Math.max(1, Math.min(MAX_WORKERS, tables.size()));
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
                } else {
                    Chunk chunk = (Chunk) item;
                    TableSchema schema = announcer.announce(chunk.table().relation, handler);
                    String name = chunk.table().id().toString();
                    long n = chunk.table().rowsDone;
                    for (Object[] row : chunk.rows()) {
                        n++;
                        handler.change(new ChangeEvent(Operation.READ, schema, null, row,
                                PgPosition.snapshotRow(consistentPoint, name, n), -1, readMicros));
                    }
                    chunk.table().rowsDone = n;
                    if (chunk.last()) {
                        chunk.table().done = true;
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

    private void work(ConcurrentLinkedQueue<Table> todo, BlockingQueue<Object> out) {
        Connection c = null;
        try {
            c = connections.regular();
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try (Statement st = c.createStatement()) {
                st.execute("SET TRANSACTION SNAPSHOT '" + snapshotName.replace("'", "''") + "'");
            }
            Table table;
            while ((table = todo.poll()) != null) {
                copy(c, table, out);
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
            copyWhole(c, table, from, out);
            return;
        }
        String order = " ORDER BY " + keyList + " LIMIT " + CHUNK_ROWS;
        String first = from + order;
        String next = from + " WHERE (" + keyList + ") > (" + params + ")" + order;
        ValueDecoder[] decoders = table.relation.decoders;
        String[] lastKey = null;
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
                        if (rows.size() == CHUNK_ROWS - 1) {
                            lastKey = new String[key.length];
                            for (int k = 0; k < key.length; k++) {
                                lastKey[k] = rs.getString(key[k] + 1);
                            }
                        }
                        rows.add(row);
                    }
                }
            }
            boolean last = rows.size() < CHUNK_ROWS;
            out.put(new Chunk(table, rows, last));
            if (last) {
                return;
            }
        }
    }

    /**
     * A table whose whole row is its identity: keyset pages would skip identical rows and cannot compare NULLs,
     * so one cursor reads it in chunks inside the snapshot's transaction.
     */
    private void copyWhole(Connection c, Table table, String select, BlockingQueue<Object> out)
            throws SQLException, InterruptedException {
        ValueDecoder[] decoders = table.relation.decoders;
        try (PreparedStatement ps = c.prepareStatement(select)) {
            ps.setFetchSize(CHUNK_ROWS);
            try (ResultSet rs = ps.executeQuery()) {
                List<Object[]> rows = new ArrayList<>();
                while (rs.next()) {
                    Object[] row = new Object[decoders.length];
                    for (int i = 0; i < decoders.length; i++) {
                        String text = rs.getString(i + 1);
                        row[i] = text == null ? null : decoders[i].decode(text);
                    }
                    rows.add(row);
                    if (rows.size() == CHUNK_ROWS) {
                        out.put(new Chunk(table, rows, false));
                        rows = new ArrayList<>();
                    }
                }
                out.put(new Chunk(table, rows, true));
            }
        }
    }
}
