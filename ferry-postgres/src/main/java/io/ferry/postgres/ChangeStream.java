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
 * still the table's shape; otherwise the backfill is owed until the stream or {@link TableWatch} reaches the
 * current one ({@link SchemaAnnouncer}). Events of tables
 * {@code source.tables} no longer names (renamed away) are dropped. Runs on the capture thread only.
 */
final class ChangeStream implements PgoutputDecoder.Listener {

    /** Reads a table again and hands its rows over at {@code at}; {@code false} if stopped meanwhile. */
    interface Rewrites {
        boolean backfill(PgRelation relation, TableSchema schema, PgPosition at);

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

    private boolean inTransaction;
    private long commitLsn;
    private long txId;
    private long commitMicros;
    private int index;
    private long lastBoundaryLsn;
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
        return PgPosition.idle(lastBoundaryLsn);
    }

    /** Hands over an idle boundary when the server's position moved past everything handed over so far. */
    void idleAt(long receiveLsn) {
        if (!inTransaction && receiveLsn > lastBoundaryLsn) {
            lastBoundaryLsn = receiveLsn;
            PgPosition p = PgPosition.idle(receiveLsn);
            position = p.toString();
            handler.boundary(p);
        }
    }

    @Override
    public void begin(long finalLsn, long commitMicros, long xid) {
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
        PgPosition p = PgPosition.commit(this.commitLsn, index - 1, txId, endLsn);
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
                } else if (rewrites.backfill(relation, schema, PgPosition.event(commitLsn, i - 1, txId))) {
                    announcer.paid(table);
                } else {
                    return;
                }
            }
        }
        handler.change(new ChangeEvent(op, schema, before, after, PgPosition.event(commitLsn, i, txId), txId,
                commitMicros));
    }
}
