package io.ferry.mysql;

import io.ferry.core.ChangeEvent;
import io.ferry.core.ChangeHandler;
import io.ferry.core.FerryException;
import io.ferry.core.Operation;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.snapshot.ChunkOrder;
import io.ferry.core.snapshot.ChunkSchedule;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Reads every captured table in chunks ({@link TableReader}), either on connections that each already hold a
 * consistent-snapshot transaction opened under the same global read lock (all of them see the data as of the
 * snapshot's binlog position), or, resuming an interrupted snapshot, on plain REPEATABLE READ connections that read
 * the current rows, a key range (with the query that finds its end) or a whole table per transaction. A table with a primary key is split into key ranges of
 * {@code chunkRows} rows ({@link ChunkSchedule}) that several connections read at once; any other table is read by
 * one connection. Workers decode rows and pass chunks through a bounded queue to the calling thread, which puts each
 * table's chunks back in key order ({@link ChunkOrder}), alone talks to the handler and keeps the
 * {@link SnapshotProgress}: a chunk's events carry the progress as before the chunk, its last event the progress
 * after it, so a committed position never claims a row that is not in Kafka.
 */
final class SnapshotReader {

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

        /** The key chunks and ranges go by, empty when the table is read whole in one transaction. */
        int[] key() {
            return def.catalogKey ? def.shape.keyIndexes() : new int[0];
        }
    }

    /** The {@code seq}-th chunk of a table; {@code lastKey} is the last key it covers, null when keyless or last. */
    private record Chunk(Table table, long seq, List<Object[]> rows, String[] lastKey, boolean last) {
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

    /**
     * How many reader connections {@code tables} can keep busy, at most {@code parallelism}: per table the key
     * ranges its estimated rows fill, one for a table read whole.
     */
    static int readers(List<Table> tables, int parallelism, int chunkRows) {
        List<Long> estimates = new ArrayList<>();
        for (Table t : tables) {
            if (!t.done) {
                estimates.add(t.key().length > 0 ? t.estimatedRows : 1);
            }
        }
        return ChunkSchedule.readers(parallelism, chunkRows, estimates);
    }

    /** Copies all tables not done yet as {@code r} events. Returns {@code false} if {@code stopped} became true first. */
    boolean read(ChangeHandler handler, SchemaAnnouncer announcer, BooleanSupplier stopped) throws InterruptedException {
        // Readers may run this many ranges of a table ahead of the one handed over next: the chunks held for
        // reordering stay below it.
        ChunkSchedule<Table> schedule = new ChunkSchedule<>(chunkRows, 2 * readers.size());
        for (Table t : tables) {
            if (!t.done) {
                schedule.add(t, t.key().length > 0, t.after);
            }
        }
        ChunkOrder<Table, Chunk> order = new ChunkOrder<>();
        BlockingQueue<Object> out = new ArrayBlockingQueue<>(2 * readers.size());
        List<Thread> threads = new ArrayList<>();
        long readMicros = System.currentTimeMillis() * 1000;
        for (int i = 0; i < readers.size(); i++) {
            Connection c = readers.get(i);
            Thread t = new Thread(() -> work(c, schedule, out), "ferry-mysql-snapshot-" + i);
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
                    Chunk chunk = (Chunk) item;
                    for (Chunk due : order.arrived(chunk.table(), chunk.seq(), chunk)) {
                        handOver(due, handler, announcer, readMicros);
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

    private void work(Connection c, ChunkSchedule<Table> schedule, BlockingQueue<Object> out) {
        try {
            ChunkSchedule.Range<Table> range;
            while ((range = schedule.take((t, after, rows) -> TableReader.boundary(c, t.id(), t.def.columns,
                    t.key(), after, rows))) != null) {
                if (range.whole()) {
                    copyWhole(c, range.table(), out);
                } else {
                    copy(c, range, schedule, out);
                }
                if (!consistent) {
                    // Rows as they are now: a range is read in the transaction (REPEATABLE READ) its boundary was
                    // found in, so it holds exactly the rows the boundary counted; the next one sees them as they
                    // are then. A table read whole pages by LIMIT/OFFSET in one transaction.
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

    /** One key range; the tail ends the table unless it filled up (rows came in meanwhile). */
    private void copy(Connection c, ChunkSchedule.Range<Table> range, ChunkSchedule<Table> schedule,
                      BlockingQueue<Object> out) throws SQLException, InterruptedException {
        Table table = range.table();
        TableReader.Rows read = TableReader.range(c, table.id(), table.def.columns, table.key(), range.from(),
                range.to(), chunkRows);
        boolean last = range.tail() && read.rows().size() < chunkRows;
        String[] lastKey = last ? null : range.to() != null ? range.to() : read.lastKey();
        if (range.tail()) {
            schedule.tailRead(range, !last, lastKey);
        }
        out.put(new Chunk(table, range.seq(), read.rows(), lastKey, last));
    }

    private void copyWhole(Connection c, Table table, BlockingQueue<Object> out)
            throws SQLException, InterruptedException {
        long[] seq = {0};
        TableReader.read(c, table.id(), table.def.columns, new int[0], null, chunkRows,
                (rows, lastKey, last) -> out.put(new Chunk(table, seq[0]++, rows, null, last)));
    }
}
