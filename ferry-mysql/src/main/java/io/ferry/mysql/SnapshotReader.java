package io.ferry.mysql;

import io.ferry.core.ChangeEvent;
import io.ferry.core.ChangeHandler;
import io.ferry.core.FerryException;
import io.ferry.core.Operation;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Reads every captured table in chunks ({@link TableReader}) on connections that each already hold a
 * consistent-snapshot transaction opened under the same global read lock, so all of them see the data as of
 * one binlog position. Workers decode rows and pass chunks through a bounded queue to the calling thread, which
 * alone talks to the handler.
 */
final class SnapshotReader {

    static final int MAX_WORKERS = 4;

    /** One table to copy and its progress, readable from any thread. */
    static final class Table {
        final TableDef def;
        final long estimatedRows;
        volatile long rowsDone;
        volatile boolean done;

        Table(TableDef def, long estimatedRows) {
            this.def = def;
            this.estimatedRows = estimatedRows;
        }

        TableId id() {
            return def.id;
        }
    }

    private record Chunk(Table table, List<Object[]> rows, boolean last) {
    }

    private record Failure(Exception error) {
    }

    private static final Object WORKER_DONE = new Object();

    private final MySqlConnections connections;
    private final List<Table> tables;
    private final List<Connection> snapshots;
    private final String file;
    private final long pos;

    /** {@code snapshots}: connections inside their consistent-snapshot transactions, one per worker. */
    SnapshotReader(MySqlConnections connections, List<Table> tables, List<Connection> snapshots, String file, long pos) {
        this.connections = connections;
        this.tables = tables;
        this.snapshots = snapshots;
        this.file = file;
        this.pos = pos;
    }

    /** Copies all tables as {@code r} events. Returns {@code false} if {@code stopped} became true first. */
    boolean read(ChangeHandler handler, SchemaAnnouncer announcer, BooleanSupplier stopped) throws InterruptedException {
        ConcurrentLinkedQueue<Table> todo = new ConcurrentLinkedQueue<>(tables);
        BlockingQueue<Object> out = new ArrayBlockingQueue<>(2 * MAX_WORKERS);
        List<Thread> threads = new ArrayList<>();
        long readMicros = System.currentTimeMillis() * 1000;
        for (int i = 0; i < snapshots.size(); i++) {
            Connection c = snapshots.get(i);
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
                    Chunk chunk = (Chunk) item;
                    TableSchema schema = announcer.announce(chunk.table().def);
                    String name = chunk.table().id().toString();
                    long n = chunk.table().rowsDone;
                    for (Object[] row : chunk.rows()) {
                        n++;
                        handler.change(new ChangeEvent(Operation.READ, schema, null, row,
                                MySqlPosition.snapshotRow(file, pos, name, n), -1, readMicros));
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

    private void work(Connection c, ConcurrentLinkedQueue<Table> todo, BlockingQueue<Object> out) {
        try {
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
        }
    }

    private static void copy(Connection c, Table table, BlockingQueue<Object> out)
            throws SQLException, InterruptedException {
        TableDef def = table.def;
        int[] key = def.catalogKey ? def.shape.keyIndexes() : new int[0];
        TableReader.read(c, def.id, def.columns, key, (rows, last) -> out.put(new Chunk(table, rows, last)));
    }
}
