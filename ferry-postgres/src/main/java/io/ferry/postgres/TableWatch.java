package io.ferry.postgres;

import io.ferry.core.ChangeEvent;
import io.ferry.core.ChangeHandler;
import io.ferry.core.Column;
import io.ferry.core.FerryException;
import io.ferry.core.Operation;
import io.ferry.core.RequestedCopies;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TableSelector;
import io.ferry.core.schema.SchemaDiff;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the captured tables in step with the catalog while the stream runs: a table created (or renamed) so
 * that {@code source.tables} matches it joins the publication and is backfilled; one dropped or renamed away
 * leaves it; a shape changed by DDL that no row change has carried into the stream yet (ADD COLUMN ... DEFAULT
 * now() on a quiet table, or DDL made while Ferry was down) is announced and, when it rewrote rows, backfilled.
 *
 * <p>It also runs the copies requested while streaming ({@link RequestedCopies}): a requested table already
 * captured is read again, one named in {@code joined} joins like a new table.
 *
 * <p>What {@link #look} sees is acted on only once the stream has passed the WAL position read after it, so
 * every change written before the catalog state it saw has been handed over first. Capture thread only.
 */
final class TableWatch {

    private static final Logger LOG = LoggerFactory.getLogger(TableWatch.class);

    /** A matching table as the catalog shows it. */
    record Found(int oid, TableId id, char replicaIdentity, boolean inPublication, boolean hasKey, String fingerprint) {
    }

    /**
     * What changed since the last look, the captured tables to copy again, and the WAL position the stream must
     * reach before acting on it; {@code requested} is the queue of copies the look saw.
     */
    record Look(long walLsn, List<Found> joining, List<Found> changed, Map<Integer, TableId> leaving,
                List<Found> copies, Set<TableId> requested) {
    }

    private final String publication;
    private final List<TableSelector.Entry> selectors = new ArrayList<>();
    private final Connection connection;
    private final TypeCatalog catalog;
    private final SchemaAnnouncer announcer;
    private final Map<Integer, TableId> captured = new LinkedHashMap<>();
    private final Map<Integer, String> fingerprints = new HashMap<>();
    private final Set<String> refused = new HashSet<>();
    private final Set<String> left = new HashSet<>();
    private final Set<TableId> joined;
    private long seenUpTo;

    /** {@code joined}: tables requested to join beyond what {@code tables} matches; read on every look. */
    TableWatch(List<String> tables, Set<TableId> joined, String publication, TypeCatalog catalog,
               SchemaAnnouncer announcer) {
        this.joined = joined;
        for (String t : tables) {
            selectors.add(TableSelector.parse(t, "public"));
        }
        this.publication = publication;
        this.catalog = catalog;
        this.connection = catalog.connection();
        this.announcer = announcer;
    }

    /** Whether {@code source.tables} names the table, or it was requested to join. */
    boolean matches(TableId id) {
        if (joined.contains(id)) {
            return true;
        }
        for (TableSelector.Entry e : selectors) {
            if (e.matches(id)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Starts from the tables prepare() resolved. On a fresh start all are captured; on a resume only those in the
     * publication whose schema the pipeline published: any other matching table joins (and is backfilled).
     */
    void start(Map<TableId, Integer> resolved, boolean fresh, ChangeHandler handler) throws SQLException {
        Set<Integer> inPublication = new HashSet<>();
        if (!fresh) {
            for (Found f : catalogTables()) {
                if (f.inPublication()) {
                    inPublication.add(f.oid());
                }
            }
        }
        resolved.forEach((id, oid) -> {
            if (fresh || (inPublication.contains(oid) && handler.published(id).isPresent())) {
                captured.put(oid, id);
            }
        });
    }

    /** The catalog's view now, with the captured tables of {@code requested} to copy; null when nothing to do. */
    Look look(Set<TableId> requested) throws SQLException {
        // Read before the catalog: every DDL committed before this point is in what the catalog shows below.
        long before = walInsertLsn();
        List<Found> joining = new ArrayList<>();
        List<Found> changed = new ArrayList<>();
        List<Found> copies = new ArrayList<>();
        Map<Integer, TableId> leaving = new LinkedHashMap<>(captured);
        for (Found f : catalogTables()) {
            if (!matches(f.id())) {
                if (f.inPublication() && !left.contains(f.oid() + "/" + f.id())) {
                    leaving.put(f.oid(), f.id());
                }
                continue;
            }
            TableId known = captured.get(f.oid());
            if (f.id().equals(known)) {
                leaving.remove(f.oid());
                if (!f.fingerprint().equals(fingerprints.get(f.oid()))) {
                    changed.add(f);
                }
                if (requested.contains(f.id())) {
                    copies.add(f);
                }
            } else if (!refused.contains(f.oid() + f.fingerprint())) {
                joining.add(f);
            }
        }
        seenUpTo = before;
        if (joining.isEmpty() && changed.isEmpty() && leaving.isEmpty() && requested.isEmpty()) {
            return null;
        }
        return new Look(walInsertLsn(), joining, changed, leaving, copies, Set.copyOf(requested));
    }

    /**
     * The WAL position before which the last look saw every catalog change. The stream must not report itself idle
     * past it: a position at the WAL's end, committed before a look noticed a table created just before it, would
     * tell {@code ferry verify} the pipeline caught up with a table it has not captured yet.
     */
    long seenUpTo() {
        return seenUpTo;
    }

    private long walInsertLsn() throws SQLException {
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Applies a look once the stream has handed over everything before its WAL position: {@code at} is that
     * point. Returns {@code false} if stopped during a backfill; a requested table neither joined nor copied
     * (dropped or renamed meanwhile) leaves {@code requests}.
     */
    boolean act(Look look, PgPosition at, ChangeHandler handler, Backfill backfill, RequestedCopies requests,
                ChangeStream stream) throws SQLException {
        for (Map.Entry<Integer, TableId> gone : look.leaving().entrySet()) {
            endCopy(stream, gone.getValue());
            TableId was = captured.remove(gone.getKey());
            fingerprints.remove(gone.getKey());
            left.add(gone.getKey() + "/" + gone.getValue());
            dropFromPublication(gone.getKey());
            if (was == null) {
                continue;
            }
            LOG.info("Table {} is no longer captured: dropped, or renamed to a name source.tables does not"
                    + " match; its copy at the target stays as it was", was);
        }
        // One copy runs alongside the stream at a time; tables to join or copy meanwhile wait for a later look.
        boolean deferred = false;
        for (Found f : look.joining()) {
            if (stream.copyRunning()) {
                deferred = true;
                continue;
            }
            if (!f.hasKey() && f.replicaIdentity() != 'f' && f.replicaIdentity() != 'i') {
                refused.add(f.oid() + f.fingerprint());
                LOG.warn("Table {} matches source.tables but is not captured: {}", f.id(),
                        PostgresSource.noIdentity(f.id()));
                continue;
            }
            if (!f.inPublication() && !addToPublication(f.id())) {
                continue;
            }
            PgRelation rel = describe(f);
            if (rel == null) {
                continue;
            }
            TableSchema previous = announcer.previous(f.id(), handler);
            Integer previousOid = announcer.oidOf(f.id());
            boolean replaced = previous != null && (previousOid == null || previousOid != f.oid());
            TableSchema shape = rel.shape;
            if (replaced) {
                // Another table had this name (dropped and re-created, or renamed back): its rows are gone, and its
                // columns are not this table's, so the new shape is matched by name only, not by attnum.
                handler.change(new ChangeEvent(Operation.TRUNCATE, previous, null, null,
                        PgPosition.backfill(at, TableSelector.quote(f.id()), null, 0), -1,
                        System.currentTimeMillis() * 1000));
                shape = withoutIds(shape);
            }
            TableSchema schema = announcer.announce(f.oid(), shape, handler);
            LOG.info("Table {} joins the capture{}", f.id(),
                    replaced ? " (replacing an earlier table of that name)" : "");
            requests.starting(f.id());
            captured.put(f.oid(), f.id());
            fingerprints.put(f.oid(), f.fingerprint());
            if (!schema.primaryKey().isEmpty()) {
                stream.copying(new ChunkedCopy(schema, rel.decoders, null, 0, backfill.chunkRows(), requests::done));
            } else {
                stream.copying(backfill.beside(schema, rel.decoders, at, handler, requests::done));
            }
        }
        for (Found f : look.changed()) {
            PgRelation rel = describe(f);
            if (rel == null) {
                continue;
            }
            TableSchema previous = announcer.previous(f.id(), handler);
            boolean firstInRun = announcer.firstInRun(f.id());
            TableSchema schema = announcer.announce(f.oid(), rel.shape, handler);
            if (announcer.needsBackfill(previous, schema, firstInRun)) {
                java.util.List<io.ferry.core.Column> added = announcer.nullableAddsOnly(previous, schema, firstInRun);
                if (added == null || !backfill.leftNull(schema, added)) {
                    if (schema.primaryKey().isEmpty()) {
                        stream.backfillBeside(schema, rel.decoders, at);
                    } else if (!backfill.run(schema, rel.decoders, at, null, 0, handler)) {
                        return false;
                    } else {
                        endCopy(stream, f.id());
                    }
                }
                announcer.paid(f.id());
            }
            if (stream.copy() != null && stream.copy().table().equals(f.id())) {
                stream.copy().reshaped(schema, rel.decoders);
            }
            fingerprints.put(f.oid(), f.fingerprint());
        }
        for (Found f : look.copies()) {
            if (stream.copyRunning()) {
                deferred = true;
                continue;
            }
            if (!copy(f, at, handler, backfill, requests, stream)) {
                return false;
            }
        }
        if (!deferred) {
            requests.forget(look.requested());
        }
        return true;
    }

    /** A copy of {@code table} running alongside the stream has nothing left to read: read whole, or gone. */
    private static void endCopy(ChangeStream stream, TableId table) {
        stream.endCopyOf(table);
    }

    /**
     * Starts reading a captured table's rows again with its shape now, alongside the stream: in chunks by its key, or,
     * without one, in one snapshot ({@link KeylessCopy}). Returns {@code false} if stopped.
     */
    private boolean copy(Found f, PgPosition at, ChangeHandler handler, Backfill backfill, RequestedCopies requests,
                         ChangeStream stream) throws SQLException {
        PgRelation rel = captured.containsKey(f.oid()) ? describe(f) : null;
        if (rel == null || !requests.starting(f.id())) {
            return true;
        }
        LOG.info("Copying table {} again, as requested, while streaming goes on", f.id());
        TableSchema schema = announcer.announce(f.oid(), rel.shape, handler);
        Runnable finished = () -> {
            announcer.paid(f.id());
            requests.done();
        };
        if (!schema.primaryKey().isEmpty()) {
            stream.copying(new ChunkedCopy(schema, rel.decoders, null, 0, backfill.chunkRows(), finished));
        } else {
            stream.copying(backfill.beside(schema, rel.decoders, at, handler, finished));
        }
        return true;
    }

    /**
     * The table as the catalog describes it now; null when it was dropped or renamed since the look (the next
     * look sees what happened).
     */
    private PgRelation describe(Found f) throws SQLException {
        PgRelation rel = catalog.describe(f.id(), f.oid());
        try (PreparedStatement ps = connection.prepareStatement("SELECT n.nspname, c.relname FROM pg_class c"
                + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ?")) {
            ps.setLong(1, f.oid() & 0xFFFFFFFFL);
            try (ResultSet rs = ps.executeQuery()) {
                // Read after describe: a table there now was there while describe read it.
                return rs.next() && f.id().equals(new TableId(rs.getString(1), rs.getString(2))) ? rel : null;
            }
        }
    }

    private static TableSchema withoutIds(TableSchema shape) {
        List<Column> columns = new ArrayList<>();
        for (Column c : shape.columns()) {
            columns.add(c.withId(0));
        }
        return new TableSchema(shape.table(), shape.version(), columns, shape.primaryKey());
    }

    private List<Found> catalogTables() throws SQLException {
        List<Found> out = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement("SELECT c.oid, n.nspname, c.relname, c.relreplident,"
                + " EXISTS (SELECT 1 FROM pg_publication p LEFT JOIN pg_publication_rel r ON r.prpubid = p.oid"
                + "   AND r.prrelid = c.oid WHERE p.pubname = ? AND (p.puballtables OR r.prrelid IS NOT NULL)),"
                + " EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary),"
                + " (SELECT string_agg(a.attnum || ' ' || a.attname || ' ' || a.atttypid || ' ' || a.atttypmod"
                + "   || ' ' || a.attnotnull, ',' ORDER BY a.attnum) FROM pg_attribute a"
                + "   WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)"
                + " || '|' || coalesce((SELECT string_agg(i.indkey::text || i.indisprimary || i.indisreplident, ','"
                + "   ORDER BY i.indexrelid) FROM pg_index i WHERE i.indrelid = c.oid"
                + "   AND (i.indisprimary OR i.indisreplident)), '') || '|' || c.relreplident::text"
                + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
                + " AND n.nspname NOT LIKE 'pg\\_toast%'")) {
            ps.setString(1, publication);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Found((int) rs.getLong(1), new TableId(rs.getString(2), rs.getString(3)),
                            rs.getString(4).charAt(0), rs.getBoolean(5), rs.getBoolean(6),
                            String.valueOf(rs.getString(7))));
                }
            }
        }
        return out;
    }

    /** False when the table is gone again (the next look sees what replaced it). */
    private boolean addToPublication(TableId id) {
        String ddl = "ALTER PUBLICATION " + TableSelector.quote(publication) + " ADD TABLE " + TableSelector.quote(id);
        try (Statement st = connection.createStatement()) {
            st.execute(ddl);
            return true;
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                return false;
            }
            throw new FerryException("cannot add " + id + " to publication " + TableSelector.quote(publication)
                    + ": " + PgConnections.firstLine(e) + "; an owner of the table can run: " + ddl, e, false);
        }
    }

    private void dropFromPublication(int oid) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT n.nspname, c.relname FROM pg_class c"
                + " JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_publication_rel r ON r.prrelid = c.oid"
                + " JOIN pg_publication p ON p.oid = r.prpubid WHERE p.pubname = ? AND c.oid = ?")) {
            ps.setString(1, publication);
            ps.setLong(2, oid & 0xFFFFFFFFL);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return;
                }
                String ddl = "ALTER PUBLICATION " + TableSelector.quote(publication) + " DROP TABLE "
                        + TableSelector.quote(new TableId(rs.getString(1), rs.getString(2)));
                try (Statement st = connection.createStatement()) {
                    st.execute(ddl);
                } catch (SQLException e) {
                    LOG.warn("Could not run {} ({}); its events are dropped by name instead", ddl,
                            PgConnections.firstLine(e));
                }
            }
        }
    }
}
