package io.ferry.mysql;

import io.ferry.core.ChangeEvent;
import io.ferry.core.ChangeHandler;
import io.ferry.core.FerryException;
import io.ferry.core.Operation;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Reads every captured table in chunks ({@link TableReader}), either on connections that each already hold a
 * consistent-snapshot transaction opened under the same global read lock (all of them see the data as of the
 * snapshot's binlog position), or, resuming an interrupted snapshot, on plain connections that read each table's
 * current rows in a transaction of its own. Workers decode rows and pass chunks through a bounded queue to the
 * calling thread, which alone talks to the handler and keeps the {@link SnapshotProgress}: a chunk's events carry
 * the progress as before the chunk, its last event the progress after it, so a committed position never claims a
 * row that is not in Kafka.
 */
final class SnapshotReader {

    static final int MAX_WORKERS = 4;

    /** One table to copy and its progress, readable from any thread. */
    static final class Table {
        final TableDef def;
        final long estimatedRows;
        /** The key text to continue after, or null to read from the first row. */
        final String[] after;
        /** Whether the target's copy is emptied first: a keyless table an interrupted snapshot was inside. */
        final boolean truncateFirst;
        volatile long rowsDone;
        volatile long chunks;
        volatile boolean done;

        Table(TableDef def, long estimatedRows) {
            this(def, estimatedRows, 0, 0, null, false, false);
        }

        Table(TableDef def, long estimatedRows, long rowsDone, long chunks, String[] after, boolean truncateFirst,
              boolean done) {
            this.def = def;
            this.estimatedRows = estimatedRows;
            this.rowsDone = rowsDone;
            this.chunks = chunks;
            this.after = after;
            this.truncateFirst = truncateFirst;
            this.done = done;
        }

        Table estimated(long rows) {
            return new Table(def, rows, rowsDone, chunks, after, truncateFirst, done);
        }

        TableId id() {
            return def.id;
        }
    }

    private record Chunk(Table table, List<Object[]> rows, String[] lastKey, boolean last) {
    }

    private record Failure(Exception error) {
    }

    private static final Object WORKER_DONE = new Object();

    private final MySqlConnections connections;
    private final List<Table> tables;
    private final List<Connection> readers;
    private final boolean consistent;
    private final MySqlPosition start;
    private final int chunkRows;
    private SnapshotProgress progress;

    /**
     * @param readers    one connection per worker
     * @param consistent whether {@code readers} are inside consistent-snapshot transactions taken at {@code start};
     *                   else each table is read as it is now, in a transaction of its own
     * @param start      where the snapshot's binlog stream starts ({@link MySqlPosition#snapshotDone})
     * @param progress   what earlier runs handed over, {@link SnapshotProgress#EMPTY} for a new snapshot
     */
    SnapshotReader(MySqlConnections connections, List<Table> tables, List<Connection> readers, boolean consistent,
                   MySqlPosition start, int chunkRows, SnapshotProgress progress) {
        this.connections = connections;
        this.tables = tables;
        this.readers = readers;
        this.consistent = consistent;
        this.start = start;
        this.chunkRows = chunkRows;
        this.progress = progress;
    }

    /** Copies all tables not done yet as {@code r} events. Returns {@code false} if {@code stopped} became true first. */
    boolean read(ChangeHandler handler, SchemaAnnouncer announcer, BooleanSupplier stopped) throws InterruptedException {
        ConcurrentLinkedQueue<Table> todo = new ConcurrentLinkedQueue<>();
        for (Table t : tables) {
            if (!t.done) {
                todo.add(t);
            }
        }
        BlockingQueue<Object> out = new ArrayBlockingQueue<>(2 * MAX_WORKERS);
        List<Thread> threads = new ArrayList<>();
        long readMicros = System.currentTimeMillis() * 1000;
        for (int i = 0; i < readers.size(); i++) {
            Connection c = readers.get(i);
            Thread t = new Thread(() -> work(c, todo, out), "ferry-mysql-snapshot-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        int running = threads.size();
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
                    throw f.error() instanceof FerryException fe ? fe : new FerryException("snapshot failed: "
                            + MySqlConnections.firstLine(f.error()), f.error(), true);
                } else {
                    handOver((Chunk) item, handler, announcer, readMicros);
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

    private void handOver(Chunk chunk, ChangeHandler handler, SchemaAnnouncer announcer, long readMicros) {
        Table table = chunk.table();
        TableSchema schema = announcer.announce(table.def);
        String name = table.id().toString();
        if (table.truncateFirst && table.chunks == 0) {
            // Whole-row rows are inserted, not upserted: the rows an interrupted run handed over go first.
            progress = progress.restarted(name);
            handler.change(new ChangeEvent(Operation.TRUNCATE, schema, null, null, at(name, 0, progress), -1,
                    readMicros));
        }
        List<Object[]> rows = chunk.rows();
        long n = table.rowsDone;
        long chunks = table.chunks + (rows.isEmpty() ? 0 : 1);
        SnapshotProgress before = progress;
        SnapshotProgress after = before.after(name, n + rows.size(), chunks, chunk.lastKey(), chunk.last());
        for (int i = 0; i < rows.size(); i++) {
            n++;
            handler.change(new ChangeEvent(Operation.READ, schema, null, rows.get(i),
                    at(name, n, i == rows.size() - 1 ? after : before), -1, readMicros));
        }
        progress = after;
        table.rowsDone = n;
        table.chunks = chunks;
        if (chunk.last()) {
            table.done = true;
        }
    }

    private MySqlPosition at(String table, long rows, SnapshotProgress p) {
        return MySqlPosition.snapshotRow(start.file, start.pos, start.gtids, table, rows, p);
    }

    private void work(Connection c, ConcurrentLinkedQueue<Table> todo, BlockingQueue<Object> out) {
        try {
            Table table;
            while ((table = todo.poll()) != null) {
                if (!consistent) {
                    try (Statement st = c.createStatement()) {
                        st.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
                    }
                }
                copy(c, table, out);
                if (!consistent) {
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
        }
    }

    private void copy(Connection c, Table table, BlockingQueue<Object> out)
            throws SQLException, InterruptedException {
        TableDef def = table.def;
        int[] key = def.catalogKey ? def.shape.keyIndexes() : new int[0];
        TableReader.read(c, def.id, def.columns, key, table.after, chunkRows,
                (rows, lastKey, last) -> out.put(new Chunk(table, rows, lastKey, last)));
    }
}
