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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A table without a primary key (or keyed only by {@code source.key-columns}) copied beside the stream, on request or
 * as the backfill after a schema change: a reader thread reads it whole in one consistent-snapshot transaction at an
 * exact binlog position P ({@link ExactSnapshot}), and the capture thread hands its rows over between transactions as
 * {@code r} events. The read holds every change of the table committed before P, so the stream drops those
 * ({@link #before}); one at or after P may only follow the copy's last row, so the stream waits for the rest of the
 * read there ({@link #handOverAll}), the only wait left. The copy ends once its rows are handed over and the stream
 * has passed P; until then every position carries the copy's marker, and a restart copies the table again at a new
 * P. Rows wait in a small queue: the read goes only as fast as the capture thread hands them over.
 */
final class KeylessCopy {

    private static final Logger LOG = LoggerFactory.getLogger(KeylessCopy.class);
    /** Chunks read ahead of the capture thread at most. */
    private static final int CHUNKS_AHEAD = 4;
    private static final List<Object[]> END = new ArrayList<>();

    /** Where the reader's connection comes from and goes back to. */
    interface Connections {
        Connection open() throws SQLException;

        void close(Connection c);
    }

    private final TableSchema schema;
    private final String name;
    private final Runnable finished;
    private final BlockingQueue<List<Object[]>> chunks = new ArrayBlockingQueue<>(CHUNKS_AHEAD);
    private final CountDownLatch positioned = new CountDownLatch(1);
    private final Thread reader;
    private final boolean mariaDb;
    /** Where the stream stood when the copy started: P, where MySQL refuses the table lock. */
    private final String streamFile;
    private final long streamPos;
    private volatile String snapshotFile;
    private volatile long snapshotPos = -1;
    private volatile Throwable failure;
    private volatile boolean cancelled;
    private long rows;
    private boolean readDone;

    private KeylessCopy(TableSchema schema, Connections connections, List<MySqlColumn> columns, int chunkRows,
                        Runnable finished, boolean mariaDb, String streamFile, long streamPos) {
        this.schema = schema;
        this.name = schema.table().toString();
        this.finished = finished;
        this.mariaDb = mariaDb;
        this.streamFile = streamFile;
        this.streamPos = streamPos;
        this.reader = new Thread(() -> read(connections, columns, chunkRows), "ferry-copy-" + name);
        reader.setDaemon(true);
    }

    /**
     * Empties the table's copy (a {@code t} event at {@code at}, for a table without any key) and starts reading
     * its rows as {@code now} describes the table; the stream has handed over everything before
     * {@code streamFile:streamPos}.
     */
    static KeylessCopy start(TableSchema schema, TableDef now, Connections connections, int chunkRows, boolean mariaDb,
                             String streamFile, long streamPos, MySqlPosition at, long eventMicros,
                             ChangeHandler handler, Runnable finished) {
        List<MySqlColumn> columns = new ArrayList<>();
        for (String column : schema.columnNames()) {
            MySqlColumn found = null;
            for (MySqlColumn c : now.columns) {
                if (c.name.equals(column)) {
                    found = c;
                }
            }
            columns.add(found);
        }
        KeylessCopy copy = new KeylessCopy(schema, connections, columns, chunkRows, finished, mariaDb, streamFile,
                streamPos);
        copy.reader.start();
        if (schema.primaryKey().isEmpty()) {
            // Whole-row rows are inserted, not upserted: without emptying the target first every row would be twice.
            handler.change(new ChangeEvent(Operation.TRUNCATE, schema, null, null, copy.mark(at), -1, eventMicros));
        }
        return copy;
    }

    TableId table() {
        return schema.table();
    }

    long rows() {
        return rows;
    }

    private void read(Connections connections, List<MySqlColumn> columns, int chunkRows) {
        Connection c = null;
        try {
            c = connections.open();
            c.setAutoCommit(false);
            ExactSnapshot.Point p = mariaDb ? ExactSnapshot.named(c, schema.table())
                    : ExactSnapshot.underTableLock(c, connections, schema.table(), streamFile, streamPos);
            snapshotFile = p.file();
            snapshotPos = p.pos();
            positioned.countDown();
            TableReader.stream(c, schema.table(), columns, chunkRows, (chunk, lastKey, last) -> {
                if (!chunk.isEmpty()) {
                    put(chunk);
                }
            });
            c.commit();
            put(END);
        } catch (Throwable e) {
            failure = e;
            positioned.countDown();
        } finally {
            if (c != null) {
                connections.close(c);
            }
        }
    }

    private void put(List<Object[]> chunk) throws InterruptedException {
        while (!cancelled) {
            if (chunks.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
                return;
            }
        }
        throw new InterruptedException("copy of " + name + " cancelled");
    }

    /**
     * Whether a change of the table in the transaction starting at binlog {@code file:pos} lies before P: the read
     * holds it, and the stream drops it. Waits for the read to name P, a moment after the copy starts.
     */
    boolean before(String file, long pos) throws InterruptedException {
        positioned.await();
        rethrow();
        int files = BinlogCatchUp.compareFiles(file, snapshotFile);
        return files != 0 ? files < 0 : pos < snapshotPos;
    }

    /** Whether the stream, having handed over everything before {@code file:pos}, has passed P. */
    private boolean passed(String file, long pos) {
        if (snapshotFile == null) {
            return false;
        }
        int files = BinlogCatchUp.compareFiles(file, snapshotFile);
        return files != 0 ? files > 0 : pos >= snapshotPos;
    }

    /**
     * Between transactions: hands over the chunks read so far at {@code at}, for {@code millis} at most, waiting that
     * long for the next one when {@code idle} (the binlog has nothing to hand over); the stream stands at
     * {@code file:pos}. Returns whether the copy ended (all rows handed over and P passed).
     */
    boolean step(MySqlPosition at, String file, long pos, long eventMicros, ChangeHandler handler, long millis,
                 boolean idle) throws InterruptedException {
        long until = System.nanoTime() + millis * 1_000_000;
        while (!readDone) {
            long left = until - System.nanoTime();
            List<Object[]> chunk = idle && left > 0 ? chunks.poll(left, TimeUnit.NANOSECONDS) : chunks.poll();
            if (chunk == null) {
                rethrow();
                break;
            }
            handOver(chunk, at, eventMicros, handler);
            if (System.nanoTime() >= until) {
                break;
            }
        }
        return readDone && passed(file, pos) && end();
    }

    /**
     * The stream reached a change of the table at or after P: hands over the rest of the read at {@code at},
     * waiting for it, and ends the copy.
     */
    void handOverAll(MySqlPosition at, long eventMicros, ChangeHandler handler) throws InterruptedException {
        if (!readDone) {
            long started = System.nanoTime();
            while (!readDone) {
                List<Object[]> chunk = chunks.poll(100, TimeUnit.MILLISECONDS);
                if (chunk == null) {
                    rethrow();
                } else {
                    handOver(chunk, at, eventMicros, handler);
                }
            }
            LOG.info("The stream waited {} ms at a change of {} for the rest of its copy",
                    (System.nanoTime() - started) / 1_000_000, name);
        }
        end();
    }

    private void handOver(List<Object[]> chunk, MySqlPosition at, long eventMicros, ChangeHandler handler) {
        if (chunk == END) {
            rethrow();
            readDone = true;
            return;
        }
        for (Object[] row : chunk) {
            rows++;
            handler.change(new ChangeEvent(Operation.READ, schema, null, row, mark(at), -1, eventMicros));
        }
    }

    private boolean end() {
        LOG.info("Copy of {} done: {} row(s), beside the stream", name, rows);
        finished.run();
        return true;
    }

    /** Stops the read without handing over more: the table is read otherwise, or the capture ends. */
    void cancel() {
        cancelled = true;
        reader.interrupt();
    }

    /** {@code p} carrying this copy's marker: a restart from it copies the table again. */
    MySqlPosition mark(MySqlPosition p) {
        return p.inBackfill(name, rows);
    }

    private void rethrow() {
        Throwable e = failure;
        if (e instanceof FerryException fe) {
            throw fe;
        }
        if (e != null) {
            throw FerryException.retriable("the copy of " + name + " failed: " + MySqlConnections.firstLine(e), e);
        }
    }
}
