package io.ferry.postgres;

import io.ferry.core.ChangeEvent;
import io.ferry.core.ChangeHandler;
import io.ferry.core.Column;
import io.ferry.core.Operation;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.schema.SchemaDiff;
import java.util.List;
import java.util.function.Predicate;

/**
 * Turns decoded pgoutput messages into {@link ChangeEvent}s and boundaries, numbering events inside each source
 * transaction and skipping those at or before the resume position, so a transaction split over several Kafka
 * transactions resumes mid-way without duplicates. A table whose new shape {@link SchemaDiff#rewritesRows
 * rewrote its rows} is backfilled right after the new schema, before the event that uses it, when that shape is
 * still the table's shape (beside the stream when it has no key, {@link #backfillBeside}); otherwise the backfill is
 * owed until the stream or {@link TableWatch} reaches the current one ({@link SchemaAnnouncer}). Events of tables
 * {@code source.tables} no longer names (renamed away) are dropped. While a {@link ChunkedCopy} runs, its changes
 * reconcile the chunk it holds, and every position carries its progress. While a {@link KeylessCopy} runs, its table's
 * changes before the copy's snapshot are dropped, the first one after it waits for the copy's last row, and every
 * position carries the copy's marker. Runs on the capture thread only.
 */
final class ChangeStream implements PgoutputDecoder.Listener {

    /** Reads a table again and hands its rows over at {@code at}; {@code false} if stopped meanwhile. */
    interface Rewrites {
        boolean backfill(PgRelation relation, TableSchema schema, PgPosition at);

        /**
         * Starts the backfill of a table without a key beside the stream, its copy emptied at {@code at}
         * ({@link Backfill#afterSchemaChange}); {@code yielded} is the table of the copy that stopped for it, or null.
         */
        KeylessCopy backfillBeside(TableSchema schema, ValueDecoder[] decoders, PgPosition at, TableId yielded);

        /** Whether the relation has the table's shape in the catalog now (a later DDL has not changed it). */
        boolean isCurrent(PgRelation relation);

        /** Whether every row of the table holds NULL in each of {@code columns} now ({@link Backfill#leftNull}). */
        boolean leftNull(TableSchema schema, List<Column> columns);
    }

    private final ChangeHandler handler;
    private final SchemaAnnouncer announcer;
    private final PgPosition resume;
    private final Predicate<TableId> captures;
    private final Rewrites rewrites;
    /** How long a step hands over a {@link KeylessCopy}'s rows at most (and waits for them, while the WAL is idle). */
    private static final long KEYLESS_STEP_MILLIS = 50;

    private boolean inTransaction;
    private long commitLsn;
    private long txId;
    private long commitMicros;
    private int index;
    private long lastBoundaryLsn;
    private ChunkedCopy copy;
    private KeylessCopy keyless;
    volatile long lastCommitMicros;
    volatile String position = "";

    /** {@code resume} may be {@code null}: nothing to skip. */
    ChangeStream(ChangeHandler handler, SchemaAnnouncer announcer, PgPosition resume, Predicate<TableId> captures,
                 Rewrites rewrites) {
        this.handler = handler;
        this.announcer = announcer;
        this.resume = resume;
        this.captures = captures;
        this.rewrites = rewrites;
        this.lastBoundaryLsn = resume == null ? 0 : Math.max(resume.lsn, resume.ackLsn);
    }

    boolean inTransaction() {
        return inTransaction;
    }

    /** Outside a transaction: everything committed before this point was handed over. */
    PgPosition handedOver() {
        return marked(PgPosition.idle(lastBoundaryLsn));
    }

    /** The end of the last transaction handed over, or the last idle point. */
    long lastBoundaryLsn() {
        return lastBoundaryLsn;
    }

    /**
     * Whether the stream is past the resume position: a point handed over from now on is one a restart can resume
     * from without handing over again what the resumed transaction already did.
     */
    boolean pastResume() {
        return resume == null || resume.complete || resume.index < 0 || lastBoundaryLsn > resume.lsn;
    }

    /** Runs {@code c} alongside the stream; null ends the one running. */
    void copying(ChunkedCopy c) {
        copy = c;
    }

    ChunkedCopy copy() {
        return copy;
    }

    /** Runs {@code k} beside the stream. */
    void copying(KeylessCopy k) {
        keyless = k;
    }

    /** Whether a copy runs beside the stream, of either kind. */
    boolean copyRunning() {
        return copy != null || keyless != null;
    }

    /** The table a copy beside the stream reads, or null. */
    TableId copyTable() {
        return copy != null ? copy.table() : keyless != null ? keyless.table() : null;
    }

    /** A copy of {@code table} beside the stream has nothing left to read: read whole otherwise, or gone. */
    void endCopyOf(TableId table) {
        if (copy != null && copy.table().equals(table)) {
            copy.end();
            copy = null;
        }
        if (keyless != null && keyless.table().equals(table)) {
            keyless.abandon();
            keyless = null;
        }
    }

    /**
     * Backfills a table without a key beside the stream from {@code at} on, where its copy is emptied: its changes that
     * the copy's snapshot holds are dropped, the first one after it waits for the copy's last row, as for a requested
     * copy. One copy runs beside the stream at a time and positions carry its marker alone, so a copy running stops:
     * one of another table is queued again and copied from its first row after this one, one of this table is
     * superseded.
     */
    void backfillBeside(TableSchema schema, ValueDecoder[] decoders, PgPosition at) {
        TableId yielded = copyTable();
        if (keyless != null) {
            keyless.cancel();
        }
        keyless = null;
        copy = null;
        keyless = rewrites.backfillBeside(schema, decoders, at, yielded);
    }

    /** Stops the read of a copy beside the stream: the capture ends. */
    void cancelCopy() {
        if (keyless != null) {
            keyless.cancel();
        }
    }

    /**
     * Between transactions, past the resume point: hands over what a {@link KeylessCopy} read so far (waiting a
     * moment for it when {@code idle}), and a boundary after it. Returns whether it handed anything over.
     */
    boolean stepKeyless(boolean idle) {
        if (keyless == null || inTransaction || !pastResume()) {
            return false;
        }
        long rows = keyless.rows();
        if (keyless.step(handedOver(), lastBoundaryLsn, handler, KEYLESS_STEP_MILLIS, idle)) {
            keyless = null;
        } else if (keyless.rows() == rows) {
            return false;
        }
        PgPosition p = handedOver();
        position = p.toString();
        handler.boundary(p);
        return true;
    }

    /** Hands the copy's held chunk over here, between transactions, and a boundary after it. */
    void handOverCopy() {
        if (copy.handOver(PgPosition.idle(lastBoundaryLsn), handler)) {
            copy = null;
        }
        PgPosition p = handedOver();
        position = p.toString();
        handler.boundary(p);
    }

    /** Hands over an idle boundary when the server's position moved past everything handed over so far. */
    void idleAt(long receiveLsn) {
        if (!inTransaction && receiveLsn > lastBoundaryLsn) {
            lastBoundaryLsn = receiveLsn;
            PgPosition p = marked(PgPosition.idle(receiveLsn));
            position = p.toString();
            handler.boundary(p);
        }
    }

    private PgPosition marked(PgPosition p) {
        return copy != null ? copy.mark(p) : keyless != null ? keyless.mark(p) : p;
    }

    @Override
    public void begin(long finalLsn, long commitMicros, long xid) {
        // A transaction committing at or after the held chunk's high watermark is newer than the chunk's read, and
        // every one that was not has been handed over: the chunk goes first.
        if (copy != null && copy.due(finalLsn) && pastResume()) {
            handOverCopy();
        }
        inTransaction = true;
        this.commitLsn = finalLsn;
        this.commitMicros = commitMicros;
        this.txId = xid;
        this.index = 0;
    }

    @Override
    public void commit(long commitLsn, long endLsn, long commitMicros) {
        inTransaction = false;
        lastCommitMicros = commitMicros;
        if (resume != null && (commitLsn < resume.lsn || (commitLsn == resume.lsn && resume.complete))) {
            return;
        }
        lastBoundaryLsn = Math.max(lastBoundaryLsn, endLsn);
        PgPosition p = marked(PgPosition.commit(this.commitLsn, index - 1, txId, endLsn));
        position = p.toString();
        handler.boundary(p);
    }

    @Override
    public void insert(PgRelation relation, Object[] after) {
        emit(Operation.CREATE, relation, null, after);
    }

    @Override
    public void update(PgRelation relation, Object[] before, Object[] after) {
        emit(Operation.UPDATE, relation, before, after);
    }

    @Override
    public void delete(PgRelation relation, Object[] before) {
        emit(Operation.DELETE, relation, before, null);
    }

    @Override
    public void truncate(List<PgRelation> relations) {
        for (PgRelation r : relations) {
            emit(Operation.TRUNCATE, r, null, null);
        }
    }

    private void emit(Operation op, PgRelation relation, Object[] before, Object[] after) {
        int i = index++;
        Boolean captured = relation.captured;
        if (captured == null) {
            captured = captures.test(relation.shape.table());
            relation.captured = captured;
        }
        if (!captured || (resume != null && resume.skips(commitLsn, i))) {
            return;
        }
        TableSchema schema = relation.announced;
        if (schema == null) {
            TableId table = relation.shape.table();
            TableSchema previous = announcer.previous(table, handler);
            boolean firstInRun = announcer.firstInRun(table);
            schema = announcer.announce(relation, handler);
            if (announcer.needsBackfill(previous, schema, firstInRun)) {
                List<Column> added = announcer.nullableAddsOnly(previous, schema, firstInRun);
                if (!rewrites.isCurrent(relation)) {
                    announcer.owe(table);
                } else if (added != null && rewrites.leftNull(schema, added)) {
                    announcer.paid(table);
                } else if (schema.primaryKey().isEmpty()) {
                    // Its snapshot holds this transaction: this event and the table's later ones before it drop below.
                    backfillBeside(schema, relation.decoders, PgPosition.event(commitLsn, i - 1, txId));
                    announcer.paid(table);
                } else if (rewrites.backfill(relation, schema, PgPosition.event(commitLsn, i - 1, txId))) {
                    announcer.paid(table);
                    // Read whole just now: nothing is left to copy.
                    endCopyOf(table);
                } else {
                    return;
                }
            }
            if (copy != null && copy.table().equals(table)) {
                copy.reshaped(schema, relation.decoders);
            }
        }
        if (keyless != null && keyless.table().equals(schema.table())) {
            if (keyless.before(commitLsn)) {
                return; // the copy's snapshot holds this change
            }
            // Exactly before this event: a restart resumes at it, and the copy's marker copies the table again.
            keyless.handOverAll(marked(PgPosition.event(commitLsn, i - 1, txId)), handler);
            keyless = null;
        }
        if (copy != null && copy.table().equals(schema.table())) {
            if (op == Operation.TRUNCATE) {
                copy.truncated();
            } else {
                after = copy.changed(before, after);
            }
        }
        handler.change(new ChangeEvent(op, schema, before, after, marked(PgPosition.event(commitLsn, i, txId)), txId,
                commitMicros));
    }
}
