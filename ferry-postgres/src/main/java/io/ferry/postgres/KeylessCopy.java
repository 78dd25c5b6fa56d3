package io.ferry.postgres;

import io.ferry.core.ChangeEvent;
import io.ferry.core.ChangeHandler;
import io.ferry.core.FerryException;
import io.ferry.core.Operation;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TableSelector;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.replication.ReplicationSlotInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A table without a primary key copied beside the stream, on request or as the backfill after a schema change
 * ({@link Backfill#afterSchemaChange}): a reader thread creates a temporary logical slot on its own replication
 * connection, reads the table whole under the snapshot that slot exports, and drops the slot; the slot's consistent
 * point P is exact, as a transaction whose commit record starts before P is in the snapshot and one at or after it is
 * not. The capture thread hands the rows over between transactions as {@code r}
 * events; the stream drops the table's changes committed before P ({@link #before}) and, at its first change at or
 * after P, waits for the rest of the read ({@link #handOverAll}), the only wait left. The copy ends once its rows are
 * handed over and the stream has passed P; until then every position carries the copy's marker (and acknowledges
 * nothing), so a restart copies the table again at a new P. Rows wait in a small queue.
 */
final class KeylessCopy {

    private static final Logger LOG = LoggerFactory.getLogger(KeylessCopy.class);
    /** Chunks read ahead of the capture thread at most. */
    private static final int CHUNKS_AHEAD = 4;
    private static final List<Object[]> END = new ArrayList<>();
    /** How often a wait for the read tells the server the replication connection is alive. */
    private static final long KEEP_ALIVE_NANOS = 1_000_000_000L;

    private final TableSchema schema;
    private final String name;
    private final Runnable finished;
    private final Runnable keepAlive;
    private final BlockingQueue<List<Object[]>> chunks = new ArrayBlockingQueue<>(CHUNKS_AHEAD);
    private final CountDownLatch positioned = new CountDownLatch(1);
    private final Thread reader;
    private volatile long snapshotLsn = -1;
    private volatile Throwable failure;
    private volatile boolean cancelled;
    private long rows;
    private boolean readDone;

    private KeylessCopy(TableSchema schema, ValueDecoder[] decoders, PgConnections connections, int chunkRows,
                        Runnable keepAlive, Runnable finished) {
        this.schema = schema;
        this.name = TableSelector.quote(schema.table());
        this.keepAlive = keepAlive;
        this.finished = finished;
        this.reader = new Thread(() -> read(connections, decoders, chunkRows), "ferry-copy-" + schema.table());
        reader.setDaemon(true);
    }

    /**
     * Empties the table's copy (a {@code t} event at {@code at}) and starts reading its rows, decoded by
     * {@code decoders} (aligned with the schema's columns). {@code keepAlive} tells the server the stream's
     * replication connection is alive while the stream waits for the read.
     */
    static KeylessCopy start(TableSchema schema, ValueDecoder[] decoders, PgConnections connections, int chunkRows,
                             PgPosition at, ChangeHandler handler, Runnable keepAlive, Runnable finished) {
        KeylessCopy copy = new KeylessCopy(schema, decoders, connections, chunkRows, keepAlive, finished);
        copy.reader.start();
        // Whole-row rows are inserted, not upserted: without emptying the target first every row would be twice.
        handler.change(new ChangeEvent(Operation.TRUNCATE, schema, null, null, copy.mark(at), -1,
                System.currentTimeMillis() * 1000));
        return copy;
    }

    TableId table() {
        return schema.table();
    }

    long rows() {
        return rows;
    }

    private void read(PgConnections connections, ValueDecoder[] decoders, int chunkRows) {
        Connection exporter = null;
        Connection c = null;
        try {
            exporter = connections.replication();
            String slot = "ferry_copy_" + UUID.randomUUID().toString().replace("-", "").toLowerCase(Locale.ROOT);
            ReplicationSlotInfo info = exporter.unwrap(PGConnection.class).getReplicationAPI()
                    .createReplicationSlot().logical().withSlotName(slot).withOutputPlugin("pgoutput")
                    .withTemporaryOption().make();
            c = connections.regular();
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try (Statement st = c.createStatement()) {
                st.execute("SET TRANSACTION SNAPSHOT '" + info.getSnapshotName().replace("'", "''") + "'");
            }
            // Imported: the temporary slot has done its job, and closing its connection drops it.
            PgConnections.closeQuietly(exporter);
            exporter = null;
            snapshotLsn = info.getConsistentPoint().asLong();
            positioned.countDown();
            LOG.info("Copy of {} reads one snapshot consistent with {}, beside the stream", name,
                    info.getConsistentPoint());
            List<String> cols = new ArrayList<>();
            for (String col : schema.columnNames()) {
                cols.add(TableSelector.quote(col));
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT " + String.join(", ", cols) + " FROM " + name)) {
                ps.setFetchSize(chunkRows);
                try (ResultSet rs = ps.executeQuery()) {
                    List<Object[]> chunk = new ArrayList<>();
                    while (rs.next()) {
                        chunk.add(Backfill.row(rs, decoders));
                        if (chunk.size() == chunkRows) {
                            put(chunk);
                            chunk = new ArrayList<>();
                        }
                    }
                    if (!chunk.isEmpty()) {
                        put(chunk);
                    }
                }
            }
            c.commit();
            put(END);
        } catch (Throwable e) {
            failure = e;
            positioned.countDown();
        } finally {
            PgConnections.closeQuietly(exporter);
            PgConnections.closeQuietly(c);
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
     * Whether a change of the table in the transaction whose commit record starts at {@code commitLsn} lies before
     * P: the read holds it, and the stream drops it. Waits for the read to name P, a moment after the copy starts.
     */
    boolean before(long commitLsn) {
        try {
            positioned.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw FerryException.retriable("interrupted waiting for the copy of " + name, e);
        }
        rethrow();
        return commitLsn < snapshotLsn;
    }

    /**
     * Between transactions, everything committed before {@code handedOverLsn} handed over: hands over the chunks read
     * so far at {@code at}, for {@code millis} at most, waiting that long for the next one when {@code idle}. Returns
     * whether the copy ended (all rows handed over and P passed).
     */
    boolean step(PgPosition at, long handedOverLsn, ChangeHandler handler, long millis, boolean idle) {
        long until = System.nanoTime() + millis * 1_000_000;
        try {
            while (!readDone) {
                long left = until - System.nanoTime();
                List<Object[]> chunk = idle && left > 0 ? chunks.poll(left, TimeUnit.NANOSECONDS) : chunks.poll();
                if (chunk == null) {
                    rethrow();
                    break;
                }
                handOver(chunk, at, handler);
                if (System.nanoTime() >= until) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return readDone && snapshotLsn >= 0 && handedOverLsn >= snapshotLsn && end();
    }

    /**
     * The stream reached a change of the table at or after P: hands over the rest of the read at {@code at},
     * waiting for it, and ends the copy.
     */
    void handOverAll(PgPosition at, ChangeHandler handler) {
        long started = System.nanoTime();
        boolean waited = !readDone;
        long alive = started;
        try {
            while (!readDone) {
                if (System.nanoTime() - alive >= KEEP_ALIVE_NANOS) {
                    // Past wal_sender_timeout without a word, the server would end the stream's connection.
                    keepAlive.run();
                    alive = System.nanoTime();
                }
                List<Object[]> chunk = chunks.poll(100, TimeUnit.MILLISECONDS);
                if (chunk == null) {
                    rethrow();
                } else {
                    handOver(chunk, at, handler);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw FerryException.retriable("interrupted waiting for the copy of " + name, e);
        }
        if (waited) {
            LOG.info("The stream waited {} ms at a change of {} for the rest of its copy",
                    (System.nanoTime() - started) / 1_000_000, name);
        }
        end();
    }

    private void handOver(List<Object[]> chunk, PgPosition at, ChangeHandler handler) {
        if (chunk == END) {
            rethrow();
            readDone = true;
            return;
        }
        long micros = System.currentTimeMillis() * 1000;
        for (Object[] row : chunk) {
            rows++;
            handler.change(new ChangeEvent(Operation.READ, schema, null, row, mark(at), -1, micros));
        }
    }

    private boolean end() {
        LOG.info("Copy of {} done: {} row(s), beside the stream", name, rows);
        finished.run();
        return true;
    }

    /** Stops the read without handing over more: the capture ends. */
    void cancel() {
        cancelled = true;
        reader.interrupt();
    }

    /** Ends the copy without handing over more: the table was read whole otherwise, or is gone. */
    void abandon() {
        cancel();
        finished.run();
    }

    /** {@code p} carrying this copy's marker: a restart from it copies the table again; it acknowledges nothing. */
    PgPosition mark(PgPosition p) {
        return PgPosition.backfill(p, name, null, rows);
    }

    private void rethrow() {
        Throwable e = failure;
        if (e instanceof FerryException fe) {
            throw fe;
        }
        if (e != null) {
            throw FerryException.retriable("the copy of " + name + " failed: " + e.getMessage(), e);
        }
    }
}
