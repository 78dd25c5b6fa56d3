package io.ferry.postgres;

import io.ferry.core.ChangeHandler;
import io.ferry.core.Column;
import io.ferry.core.FerryException;
import io.ferry.core.RequestedCopies;
import io.ferry.core.Source;
import io.ferry.core.SourcePosition;
import io.ferry.core.SourceStatus;
import io.ferry.core.TableId;
import io.ferry.core.TableSelector;
import io.ferry.core.TableSchema;
import io.ferry.core.config.SourceConfig;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.postgresql.PGConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.postgresql.replication.ReplicationSlotInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Captures PostgreSQL tables through logical replication: an optional consistent snapshot read from the
 * replication slot's exported snapshot, then the {@code pgoutput} stream of the publication named like the slot.
 *
 * <p>Tables in {@code source.tables} are case-sensitive exact names or {@code *}/{@code ?} patterns (see
 * {@link TableSelector}); names are never case-folded. A table created later that a pattern matches joins the
 * capture without a restart ({@link TableWatch}). A table without a primary key is captured under REPLICA
 * IDENTITY FULL (or USING INDEX), keyed by its {@code source.key-columns} or else by the whole row; without
 * such an identity it is refused. A snapshot interrupted by a crash resumes with its slot, which still stands at
 * the snapshot's consistent point: done tables are skipped, a table under way is read on after its last key handed
 * over (a keyless one again from its start), and the stream then replays every change since; only without the
 * slot is it redone from a new one. Schema changes that give existing rows values the WAL does not carry are
 * followed by a {@link Backfill} of the table. Named tables are copied again, or join, on request while the others
 * stream ({@link #requestSnapshot}, {@link RequestedCopies}).
 *
 * <p>{@link #run} runs on one thread; {@link #acknowledge} is applied by that thread's loop; {@link #stop},
 * {@link #status} and {@link #requestSnapshot} are safe from any thread. A lost connection surfaces as a retriable
 * {@link FerryException}; the caller restarts {@code run} from the last committed position.
 */
public final class PostgresSource implements Source {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresSource.class);
    private static final Pattern SLOT_NAME = Pattern.compile("[a-z0-9_]{1,63}");
    private static final long POLL_MILLIS = 10;
    /** How often an idle stream looks for new, dropped and altered tables in the catalog. */
    static final long WATCH_MILLIS = 500;
    private static final long COPY_NUDGE_MILLIS = 50;

    private final SourceConfig config;
    private final String slotName;
    private final PgConnections connections;
    private final PgPublication publication;

    private Map<TableId, Integer> tables;
    private final AtomicLong pendingAck = new AtomicLong();
    private volatile boolean stopped;
    private volatile String phase = "created";
    private volatile ChangeStream changes;
    private volatile List<SnapshotReader.Table> snapshotTables = List.of();
    private final List<AutoCloseable> open = new ArrayList<>();
    private final RequestedCopies requests = new RequestedCopies(PgQueueText.INSTANCE);
    /** Tables requested to join that {@code source.tables} as this process read it does not match. */
    private final Set<TableId> joined = ConcurrentHashMap.newKeySet();

    /**
     * @param slotName the replication slot and publication name: lower-case letters, digits and underscores
     */
    public PostgresSource(SourceConfig config, String slotName) {
        this.config = Objects.requireNonNull(config, "config");
        this.slotName = Objects.requireNonNull(slotName, "slotName");
        if (!SLOT_NAME.matcher(slotName).matches()) {
            throw new FerryException("replication slot name \"" + slotName
                    + "\" is invalid: use 1 to 63 lower-case letters, digits and underscores");
        }
        this.connections = new PgConnections(config);
        this.publication = new PgPublication(slotName, config.user());
    }

    @Override
    public void prepare() {
        try (Connection c = connections.regular()) {
            checkServer(c);
            Map<TableId, Integer> resolved = resolveTables(c, catalog(c));
            boolean slotExisted = publication.slotExists(c);
            // A running pipeline's publication gains tables only through TableWatch, which backfills them.
            publication.ensure(c, List.copyOf(resolved.keySet()), !slotExisted);
            if (config.snapshot() == SourceConfig.SnapshotMode.NEVER && !slotExisted) {
                publication.createSlotWithoutSnapshot(c);
            }
            tables = resolved;
            phase = "prepared";
        } catch (SQLException e) {
            throw connections.lost(e);
        }
    }

    /** The captured tables as the catalog describes them now; touches no publication or slot. */
    public List<TableSchema> describeTables() {
        try (Connection c = connections.regular()) {
            TypeCatalog catalog = catalog(c);
            List<TableSchema> out = new ArrayList<>();
            for (Map.Entry<TableId, Integer> t : resolveTables(c, catalog).entrySet()) {
                out.add(catalog.describe(t.getKey(), t.getValue()).shape);
            }
            return out;
        } catch (SQLException e) {
            throw connections.lost(e);
        }
    }

    private TypeCatalog catalog(Connection c) {
        return new TypeCatalog(c, table -> config.keyColumnsOf(table, "public"));
    }

    /**
     * The configured tables that exist, by oid. A missing table, a keyless one without a usable replica identity
     * and configured key columns that do not exist are errors naming the table.
     */
    private Map<TableId, Integer> resolveTables(Connection c, TypeCatalog catalog) throws SQLException {
        Map<TableId, Integer> existing = PgPublication.existingTables(c);
        Map<TableId, Integer> resolved = new LinkedHashMap<>();
        for (TableId id : TableSelector.resolve(config.tables(), "public", existing.keySet())) {
            int oid = existing.get(id);
            if (catalog.primaryKey(oid).isEmpty()) {
                char identity = catalog.replicaIdentity(oid);
                if (identity != 'f' && identity != 'i') {
                    throw new FerryException(noIdentity(id));
                }
                List<String> key = config.keyColumnsOf(id, "public");
                List<String> columns = catalog.describe(id, oid).shape.columnNames();
                if (!columns.containsAll(key)) {
                    throw new FerryException("source.key-columns names " + key + " for table \"" + id
                            + "\", which has only the columns " + columns);
                }
            }
            resolved.put(id, oid);
        }
        return resolved;
    }

    /** Why a keyless table without a usable replica identity cannot be captured, and the fix. */
    static String noIdentity(TableId id) {
        return "table \"" + id + "\" has no primary key and its REPLICA IDENTITY is neither FULL nor USING INDEX,"
                + " so PostgreSQL does not log which row an UPDATE or DELETE changed; run ALTER TABLE "
                + TableSelector.quote(id) + " REPLICA IDENTITY FULL (or add a primary key), or remove it from"
                + " source.tables";
    }

    private void checkServer(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW wal_level")) {
            rs.next();
            String level = rs.getString(1);
            if (!"logical".equals(level)) {
                throw new FerryException("PostgreSQL at " + connections.where() + " has wal_level=" + level
                        + "; set wal_level=logical in postgresql.conf and restart the server");
            }
        }
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT rolsuper, rolreplication FROM pg_roles WHERE rolname = current_user")) {
            if (rs.next() && !rs.getBoolean(1) && !rs.getBoolean(2)) {
                throw new FerryException("user \"" + config.user() + "\" lacks the REPLICATION privilege; run"
                        + " ALTER ROLE " + TableSelector.quote(config.user()) + " REPLICATION");
            }
        }
    }

    /**
     * Validates the named tables against the catalog now: each must exist, be captured or be matched by
     * {@code sourceTables}, and have a key or a usable replica identity. The capture thread copies them in order.
     */
    @Override
    public List<TableId> requestSnapshot(List<String> names, List<String> sourceTables) {
        if (tables == null) {
            throw FerryException.retriable("capture has not started yet; ask again once it streams", null);
        }
        List<TableId> wanted = TableSelector.named(names, "public");
        List<TableSelector.Entry> now = new ArrayList<>();
        for (String t : sourceTables) {
            now.add(TableSelector.parse(t, "public"));
        }
        List<TableId> joining = new ArrayList<>();
        try (Connection c = connections.regular()) {
            Map<TableId, Integer> existing = PgPublication.existingTables(c);
            TypeCatalog catalog = catalog(c);
            for (TableId id : wanted) {
                Integer oid = existing.get(id);
                if (oid == null) {
                    throw new FerryException("table \"" + id + "\" does not exist at " + connections.where());
                }
                if (!captures(id)) {
                    if (now.stream().noneMatch(e -> e.matches(id))) {
                        throw new FerryException("table \"" + id + "\" is not captured and source.tables in the"
                                + " pipeline file does not match it: add it to source.tables, then ask again");
                    }
                    joining.add(id);
                }
                if (catalog.primaryKey(oid).isEmpty() && catalog.replicaIdentity(oid) != 'f'
                        && catalog.replicaIdentity(oid) != 'i') {
                    throw new FerryException(noIdentity(id));
                }
            }
        } catch (SQLException e) {
            throw connections.lost(e);
        }
        joined.addAll(joining);
        requests.accept(wanted);
        return wanted;
    }

    /** Whether the running capture takes the table's changes (if it exists). */
    private boolean captures(TableId id) {
        if (joined.contains(id)) {
            return true;
        }
        for (String t : config.tables()) {
            if (TableSelector.parse(t, "public").matches(id)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void run(Map<String, Object> resume, ChangeHandler captured) throws InterruptedException {
        if (tables == null) {
            prepare();
        }
        requests.restore(resume);
        for (TableId t : requests.waiting()) {
            if (!captures(t)) {
                joined.add(t);
            }
        }
        ChangeHandler handler = requests.carriedBy(captured);
        PgPosition from = resume == null || resume.isEmpty() ? null : PgPosition.fromResume(resume);
        Connection catalogConnection = track(connections.regular());
        try {
            TypeCatalog catalog = catalog(catalogConnection);
            SchemaAnnouncer announcer = new SchemaAnnouncer();
            boolean fresh = from == null;
            TableWatch watch = new TableWatch(config.tables(), Collections.unmodifiableSet(joined), slotName, catalog,
                    announcer);
            if ((fresh && config.snapshot() == SourceConfig.SnapshotMode.INITIAL)
                    || (from != null && from.snapshotInterrupted())) {
                String cannotResume = fresh ? null : cannotResume(from, catalogConnection);
                if (cannotResume != null) {
                    LOG.warn("Snapshot of slot {} was interrupted and cannot resume: {}; redoing it from a new slot"
                            + " (rows already published are published again as r events and upserted)", slotName,
                            cannotResume);
                }
                boolean resumes = !fresh && cannotResume == null;
                if (!resumes) {
                    publication.dropSlotIfExists(catalogConnection);
                }
                from = snapshot(catalog, announcer, handler, resumes ? from : null);
                if (from == null) {
                    return;
                }
            } else if (!publication.slotExists(catalogConnection)) {
                if (!fresh) {
                    throw new FerryException("replication slot \"" + slotName + "\" is missing at "
                            + connections.where() + ": changes after the last published position may be lost;"
                            + " run `ferry reset` to take a new snapshot");
                }
                publication.createSlotWithoutSnapshot(catalogConnection);
            }
            watch.start(tables, fresh, handler);
            if (fresh && config.snapshot() == SourceConfig.SnapshotMode.INCREMENTAL) {
                // Queued before the first position is handed over, so every position carries what is left to copy.
                LOG.info("Snapshot of {} table(s) runs in chunks alongside the stream (snapshot: incremental)",
                        tables.size());
                requests.accept(tables.keySet().stream().sorted(Comparator.comparing(TableId::toString)).toList());
            }
            stream(watch, catalog, announcer, handler, from);
        } catch (SQLException e) {
            if (stopped) {
                return;
            }
            throw connections.lost(e);
        } finally {
            closeAll();
        }
    }

    /**
     * Why the interrupted snapshot {@code from} cannot go on with its slot, or null when it can: the slot must still
     * stand at the snapshot's consistent point (nothing was acknowledged during the snapshot), so the stream
     * replays every change made since, also those the rows read now already show.
     */
    private String cannotResume(PgPosition from, Connection c) throws SQLException {
        if (from.snapshotProgress == null) {
            return "its last position has no per-table progress (written by an older Ferry)";
        }
        Long confirmed = publication.confirmedFlushLsn(c);
        if (confirmed == null) {
            return "replication slot \"" + slotName + "\" is missing at " + connections.where();
        }
        if (confirmed != from.lsn) {
            return "replication slot \"" + slotName + "\" confirmed " + PgPosition.Lsn.format(confirmed)
                    + ", not the snapshot's consistent point " + PgPosition.Lsn.format(from.lsn);
        }
        return null;
    }

    /**
     * Copies all tables: from a new slot's exported snapshot, or ({@code resume}) on from where an interrupted
     * snapshot of the existing slot left each table, reading rows as they are now. {@code null} if stopped meanwhile.
     */
    private PgPosition snapshot(TypeCatalog catalog, SchemaAnnouncer announcer, ChangeHandler handler,
                                PgPosition resume) throws SQLException, InterruptedException {
        phase = "snapshot";
        Connection exporter = null;
        String snapshotName = null;
        long consistentPoint;
        SnapshotProgress progress;
        if (resume == null) {
            exporter = track(connections.replication());
            ReplicationSlotInfo slot = exporter.unwrap(PGConnection.class).getReplicationAPI().createReplicationSlot()
                    .logical().withSlotName(slotName).withOutputPlugin("pgoutput").make();
            consistentPoint = slot.getConsistentPoint().asLong();
            snapshotName = slot.getSnapshotName();
            progress = SnapshotProgress.NONE;
        } else {
            consistentPoint = resume.lsn;
            progress = resume.snapshotProgress;
        }
        List<SnapshotReader.Table> work = resume == null ? freshTables(catalog)
                : resumedTables(catalog, progress, consistentPoint);
        snapshotTables = List.copyOf(work);
        SnapshotReader reader = new SnapshotReader(connections, work, snapshotName, consistentPoint,
                config.snapshotChunkRows(), progress, config.snapshotParallelism());
        LOG.info("Snapshot of {} table(s) on {} reader connection(s), chunks of {} rows", work.size(),
                reader.readers(), config.snapshotChunkRows());
        if (!reader.read(handler, announcer, () -> stopped)) {
            return null;
        }
        PgPosition done = PgPosition.snapshotDone(consistentPoint);
        handler.boundary(done);
        handler.flush();
        if (exporter != null) {
            untrack(exporter);
        }
        LOG.info("Snapshot of {} table(s) done at {}", work.size(), PgPosition.Lsn.format(consistentPoint));
        return done;
    }

    private List<SnapshotReader.Table> freshTables(TypeCatalog catalog) throws SQLException {
        List<SnapshotReader.Table> work = new ArrayList<>();
        for (Map.Entry<TableId, Integer> t : tables.entrySet()) {
            work.add(new SnapshotReader.Table(catalog.describe(t.getKey(), t.getValue()), estimate(catalog, t.getValue())));
        }
        return work;
    }

    /**
     * The tables of the interrupted snapshot (those in the publication; a table that matches only now joins later,
     * through {@link TableWatch}), each where the snapshot left it.
     */
    private List<SnapshotReader.Table> resumedTables(TypeCatalog catalog, SnapshotProgress progress,
                                                     long consistentPoint) throws SQLException {
        List<TableId> inPublication = publication.tables(catalog.connection());
        List<SnapshotReader.Table> work = new ArrayList<>();
        int done = 0;
        for (Map.Entry<TableId, Integer> t : tables.entrySet()) {
            if (!inPublication.contains(t.getKey())) {
                continue;
            }
            PgRelation relation = catalog.describe(t.getKey(), t.getValue());
            long estimate = estimate(catalog, t.getValue());
            SnapshotProgress.Table was = progress.of(t.getKey());
            if (was == null) {
                work.add(new SnapshotReader.Table(relation, estimate));
                continue;
            }
            SnapshotReader.Table table = SnapshotReader.Table.resumed(relation, estimate, was);
            work.add(table);
            if (table.done) {
                done++;
            } else if (table.truncateFirst) {
                LOG.info("Redoing snapshot of {} from its start: a table without a key cannot resume after a row"
                        + " ({} row(s) were read before)", t.getKey(), was.rows());
            } else {
                LOG.info("Resuming snapshot of {} after {} row(s) ({} chunk(s) done)", t.getKey(), was.rows(),
                        was.chunks());
            }
        }
        LOG.info("Resuming the interrupted snapshot of slot {} at its consistent point {}: {} of {} table(s) done,"
                + " the others read as they are now while the stream replays every change since",
                slotName, PgPosition.Lsn.format(consistentPoint), done, work.size());
        return work;
    }

    private long estimate(TypeCatalog catalog, int oid) throws SQLException {
        try (PreparedStatement ps = catalog.connection().prepareStatement(
                "SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE oid = ?")) {
            ps.setLong(1, oid & 0xFFFFFFFFL);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    private void stream(TableWatch watch, TypeCatalog catalog, SchemaAnnouncer announcer, ChangeHandler handler,
                        PgPosition from) throws SQLException, InterruptedException {
        phase = "streaming";
        changes = null;
        Connection replication = track(connections.replication());
        PGReplicationStream stream = replication.unwrap(PGConnection.class).getReplicationAPI().replicationStream()
                .logical().withSlotName(slotName)
                .withSlotOption("proto_version", "1")
                .withSlotOption("publication_names", slotName)
                .withStatusInterval(10, TimeUnit.SECONDS)
                .start();
        track(stream::close);
        PgoutputDecoder decoder = new PgoutputDecoder(catalog);
        Backfill backfill = new Backfill(connections, () -> {
            try {
                stream.forceUpdateStatus();
            } catch (SQLException e) {
                throw connections.lost(e);
            }
        }, () -> stopped, config.snapshotChunkRows(), () -> changes == null ? null : changes.copyTable(), requests);
        ChunkedCopy resumed = null;
        if (from != null && from.backfillTable != null) {
            resumed = resumedCopy(from, catalog, announcer, handler);
            TableId keyless = resumed == null ? keylessCopy(from, handler) : null;
            if (keyless != null) {
                // Copied again from its start at a new snapshot beside the stream, which drops the table's changes
                // that snapshot holds: nothing is applied twice.
                LOG.info("Resuming inside the copy of {}: copying it again beside the stream", keyless);
                requests.putBack(keyless);
                from = from.withoutBackfill();
                handler.boundary(from);
            } else if (resumed == null) {
                if (!finishBackfill(from, backfill, catalog, announcer, handler)) {
                    return;
                }
                from = from.withoutBackfill();
                handler.boundary(from);
            }
        }
        ChangeStream listener = new ChangeStream(handler, announcer, from, watch::matches, new ChangeStream.Rewrites() {
            @Override
            public boolean backfill(PgRelation relation, TableSchema schema, PgPosition at) {
                try {
                    return backfill.run(schema, relation.decoders, at, null, 0, handler);
                } catch (SQLException e) {
                    throw connections.lost(e);
                }
            }

            @Override
            public KeylessCopy backfillBeside(TableSchema schema, ValueDecoder[] decoders, PgPosition at,
                                              TableId yielded) {
                return backfill.afterSchemaChange(schema, decoders, at, yielded, handler);
            }

            @Override
            public boolean leftNull(TableSchema schema, List<Column> columns) {
                try {
                    return backfill.leftNull(schema, columns);
                } catch (SQLException e) {
                    throw connections.lost(e);
                }
            }

            @Override
            public boolean isCurrent(PgRelation relation) {
                try {
                    return relation.shape.sameShapeAs(catalog.describe(relation.shape.table(), relation.oid).shape);
                } catch (SQLException e) {
                    throw connections.lost(e);
                }
            }
        });
        listener.copying(resumed);
        changes = listener;
        try {
            streamWith(stream, decoder, listener, watch, catalog, backfill, handler);
        } finally {
            listener.cancelCopy();
        }
    }

    private void streamWith(PGReplicationStream stream, PgoutputDecoder decoder, ChangeStream listener,
                            TableWatch watch, TypeCatalog catalog, Backfill backfill, ChangeHandler handler)
            throws SQLException, InterruptedException {
        long walWriterDelayMillis = walWriterDelayMillis(catalog.connection());
        long nextNudge = 0;
        long acked = 0;
        long nextLook = 0;
        TableWatch.Look look = null;
        while (!stopped) {
            long want = pendingAck.get();
            if (want > acked) {
                LogSequenceNumber lsn = LogSequenceNumber.valueOf(want);
                stream.setFlushedLSN(lsn);
                stream.setAppliedLSN(lsn);
                stream.forceUpdateStatus();
                acked = want;
            }
            ByteBuffer message = stream.readPending();
            if (message == null) {
                handler.idle();
                long received = stream.getLastReceiveLSN().asLong();
                if (!listener.inTransaction()) {
                    requests.writeQueue();
                }
                if (stepCopy(listener, received, true)) {
                    continue;
                }
                // A copy running defers the waiting ones: they need no look before it ends.
                if (!listener.inTransaction() && look == null && (System.currentTimeMillis() >= nextLook
                        || (requests.hasWaiting() && !listener.copyRunning()))) {
                    nextLook = System.currentTimeMillis() + WATCH_MILLIS;
                    look = watch.look(requests.waiting());
                    if (look != null && !WalInsertPosition.reached(received, look.walLsn())) {
                        // Asks the server for a keepalive, which tells how far it has sent.
                        stream.forceUpdateStatus();
                    }
                }
                // Not past what the last look saw, nor while a look is pending: a committed position at the WAL's end
                // would tell `ferry verify` the pipeline caught up before DDL made just now, or while Ferry was down,
                // is announced.
                if (look == null) {
                    listener.idleAt(Math.min(received, watch.seenUpTo()));
                }
                if (look != null && !WalInsertPosition.reached(received, look.walLsn())
                        && System.currentTimeMillis() >= nextLook) {
                    nextLook = System.currentTimeMillis() + WATCH_MILLIS;
                    stream.forceUpdateStatus();
                }
                if (look != null && !listener.inTransaction()
                        && WalInsertPosition.reached(received, look.walLsn())) {
                    TableWatch.Look acting = look;
                    look = null;
                    PgPosition at = listener.handedOver();
                    if (!watch.act(acting, at, handler, backfill, requests, listener)) {
                        return;
                    }
                    handler.boundary(listener.handedOver());
                    continue;
                }
                ChunkedCopy copy = listener.copy();
                if (copy != null && copy.needsFlushedWatermark(walWriterDelayMillis)) {
                    copy.flushedWatermark(flushLsn(catalog.connection()));
                }
                if (copy != null && copy.holds() && !copy.due(received) && System.currentTimeMillis() >= nextNudge) {
                    // Asks for a keepalive, which tells when the server has sent everything before the watermark.
                    nextNudge = System.currentTimeMillis() + COPY_NUDGE_MILLIS;
                    stream.forceUpdateStatus();
                }
                if (pendingAck.get() == acked) {
                    Thread.sleep(POLL_MILLIS);
                }
                continue;
            }
            decoder.decode(message, listener);
            stepCopy(listener, listener.lastBoundaryLsn(), false);
            // A stream that never idles (a long backlog, a source writing as fast as capture reads) still looks at
            // the catalog and the requested copies between transactions, else they would wait for the first idle moment.
            if (!listener.inTransaction() && System.currentTimeMillis() >= nextLook) {
                long reached = listener.lastBoundaryLsn();
                requests.writeQueue();
                if (look == null) {
                    nextLook = System.currentTimeMillis() + WATCH_MILLIS;
                    look = watch.look(requests.waiting());
                }
                if (look != null && WalInsertPosition.reached(reached, look.walLsn())) {
                    TableWatch.Look acting = look;
                    look = null;
                    if (!watch.act(acting, listener.handedOver(), handler, backfill, requests, listener)) {
                        return;
                    }
                    handler.boundary(listener.handedOver());
                }
            }
        }
    }

    /**
     * Moves a copy running alongside the stream one step between transactions, once the stream is past its resume
     * point: reads its next chunk, or hands the chunk held over once every transaction before {@code reachedLsn} was
     * handed over and that passes the chunk's high watermark; for a {@link KeylessCopy}, hands over the rows read so
     * far ({@code idle}: the WAL had nothing). Returns whether it did something.
     */
    private boolean stepCopy(ChangeStream listener, long reachedLsn, boolean idle) {
        if (listener.stepKeyless(idle)) {
            return true;
        }
        ChunkedCopy copy = listener.copy();
        if (copy == null || listener.inTransaction() || !listener.pastResume()) {
            return false;
        }
        if (copy.due(reachedLsn)) {
            listener.handOverCopy();
            return true;
        }
        if (copy.holds() || System.currentTimeMillis() < copy.nextReadAt()) {
            return false;
        }
        Connection c = connections.regular();
        try {
            copy.read(c);
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                LOG.info("Table {} was dropped during its copy; the copy ends", copy.table());
                listener.endCopyOf(copy.table());
            } else if ("42703".equals(e.getSQLState())) {
                // A column the copy reads is gone: the stream or the next catalog look brings the new shape.
                copy.readAgainAfter(WATCH_MILLIS);
                return false;
            } else {
                throw connections.lost(e);
            }
        } finally {
            PgConnections.closeQuietly(c);
        }
        return true;
    }

    private static long walWriterDelayMillis(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT setting::bigint FROM pg_settings WHERE name = 'wal_writer_delay'")) {
            return rs.next() ? rs.getLong(1) : 200;
        }
    }

    private long flushLsn(Connection c) {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_current_wal_flush_lsn() - '0/0'::pg_lsn")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw connections.lost(e);
        }
    }

    /**
     * The table without a primary key whose interrupted read (a requested copy or a backfill) a restart copies again
     * beside the stream ({@link KeylessCopy}), or null when the read is of another kind.
     */
    private static TableId keylessCopy(PgPosition from, ChangeHandler handler) {
        TableSelector.Entry marked = TableSelector.parse(from.backfillTable, "public");
        TableId id = new TableId(marked.schema(), marked.table());
        TableSchema schema = handler.published(id).orElse(null);
        return schema != null && schema.primaryKey().isEmpty() ? id : null;
    }

    /**
     * The copy that a restart goes on with alongside the stream, after the last key its positions carry; null when the
     * interrupted read is one to finish first (a keyless table, or a shape changed since), as before streaming.
     */
    private ChunkedCopy resumedCopy(PgPosition from, TypeCatalog catalog, SchemaAnnouncer announcer,
                                    ChangeHandler handler) throws SQLException {
        TableSelector.Entry marked = TableSelector.parse(from.backfillTable, "public");
        TableId id = new TableId(marked.schema(), marked.table());
        TableSchema schema = handler.published(id).orElse(null);
        Integer oid = PgPublication.existingTables(catalog.connection()).get(id);
        if (schema == null || schema.primaryKey().isEmpty() || oid == null) {
            return null;
        }
        PgRelation now = catalog.describe(id, oid);
        if (!now.shape.sameShapeAs(schema)) {
            return null;
        }
        LOG.info("Going on with the copy of {} after {} row(s), alongside the stream", id, from.backfillRows);
        requests.resumed(id, from.backfillRows);
        return new ChunkedCopy(announcer.announce(oid, now.shape, handler), now.decoders, from.backfillKey,
                from.backfillRows, config.snapshotChunkRows(), requests::done);
    }

    /**
     * Finishes the backfill a crash interrupted, with the schema its rows were published under; when DDL made
     * meanwhile renamed or dropped one of its columns, the whole table is read again with its shape now.
     */
    private boolean finishBackfill(PgPosition from, Backfill backfill, TypeCatalog catalog, SchemaAnnouncer announcer,
                                   ChangeHandler handler) throws SQLException {
        TableSelector.Entry marked = TableSelector.parse(from.backfillTable, "public");
        TableId id = new TableId(marked.schema(), marked.table());
        TableSchema schema = handler.published(id).orElse(null);
        if (schema == null) {
            LOG.warn("The backfill of {} that a restart should finish has no published schema; the table joins the"
                    + " capture again instead", from.backfillTable);
            return true;
        }
        LOG.info("Finishing the backfill of {} that stopped after {} row(s)", id, from.backfillRows);
        ValueDecoder[] decoders = new ValueDecoder[schema.columns().size()];
        for (int i = 0; i < decoders.length; i++) {
            decoders[i] = PgTableRows.decoder(schema.columns().get(i).type());
        }
        try {
            return backfill.run(schema, decoders, from.withoutBackfill(), from.backfillKey, from.backfillRows,
                    handler);
        } catch (SQLException e) {
            if (!"42703".equals(e.getSQLState()) && !"42P01".equals(e.getSQLState())) {
                throw e;
            }
            Integer oid = PgPublication.existingTables(catalog.connection()).get(id);
            if (oid == null) {
                LOG.info("The table {} of the interrupted backfill is gone; nothing to finish", id);
                return true;
            }
            LOG.info("The table {} of the interrupted backfill changed meanwhile ({}); reading all of it again",
                    id, PgConnections.firstLine(e));
            PgRelation now = catalog.describe(id, oid);
            if (now.shape.primaryKey().isEmpty()) {
                // Its key is gone too: copied beside the stream, like any table without one.
                requests.putBack(id);
                return true;
            }
            return backfill.run(announcer.announce(oid, now.shape, handler), now.decoders, from.withoutBackfill(),
                    null, 0, handler);
        }
    }

    @Override
    public void acknowledge(SourcePosition boundary) {
        if (RequestedCopies.unwrap(boundary) instanceof PgPosition p && p.ackLsn > 0) {
            pendingAck.accumulateAndGet(p.ackLsn, Math::max);
        }
    }

    @Override
    public SourceStatus status() {
        ChangeStream c = changes;
        List<SourceStatus.TableProgress> progress = new ArrayList<>();
        for (SnapshotReader.Table t : snapshotTables) {
            progress.add(new SourceStatus.TableProgress(t.id(), t.rowsDone, t.estimatedRows, t.done,
                    config.snapshotChunkRows(), t.chunksDone));
        }
        return new SourceStatus(phase, c == null ? "" : c.position, c == null ? 0 : c.lastCommitMicros, progress,
                requests.status());
    }

    @Override
    public void stop() {
        stopped = true;
    }

    @Override
    public void close() {
        stopped = true;
        closeAll();
        phase = "closed";
    }

    private <T extends AutoCloseable> T track(T resource) {
        synchronized (open) {
            open.add(resource);
        }
        return resource;
    }

    private void untrack(AutoCloseable resource) {
        synchronized (open) {
            open.remove(resource);
        }
        PgConnections.closeQuietly(resource);
    }

    private void closeAll() {
        List<AutoCloseable> all;
        synchronized (open) {
            all = new ArrayList<>(open);
            open.clear();
        }
        for (int i = all.size() - 1; i >= 0; i--) {
            PgConnections.closeQuietly(all.get(i));
        }
    }
}
