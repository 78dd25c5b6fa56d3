package io.ferry.mysql;

import com.github.shyiko.mysql.binlog.event.Event;
import com.github.shyiko.mysql.binlog.network.ServerException;
import io.ferry.core.ChangeHandler;
import io.ferry.core.FerryException;
import io.ferry.core.RequestedCopies;
import io.ferry.core.Source;
import io.ferry.core.SourcePosition;
import io.ferry.core.SourceStatus;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TableSelector;
import io.ferry.core.config.SourceConfig;
import io.ferry.core.snapshot.ChunkSchedule;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Captures MySQL/MariaDB tables from the row binlog: an optional consistent snapshot, then the binlog from the
 * position the snapshot is consistent with. The server needs {@code log_bin=ON}, {@code binlog_format=ROW},
 * {@code binlog_row_image=FULL} and {@code binlog_row_metadata=FULL}; the user needs REPLICATION SLAVE,
 * REPLICATION CLIENT (MariaDB: BINLOG MONITOR), SELECT, and RELOAD for a snapshot.
 *
 * <p>The snapshot holds {@code FLUSH TABLES WITH READ LOCK} only while it reads the binlog position and the
 * table definitions and opens one consistent-snapshot transaction per reader; {@link #snapshotLockHeld} says
 * how long. Tables in {@code source.tables} are {@code database.table} names or {@code *}/{@code ?} patterns (a
 * name without a database means the configured one); a table without a primary key is keyed by the
 * {@code source.key-columns} configured for it, else by its whole row. Tables are read in chunks of
 * {@link #chunkRows} rows; a snapshot interrupted by a crash resumes at the chunk it was in, reading the tables it
 * had not finished as they are by then (no lock) before it streams from the snapshot's binlog position, whose full
 * row images bring every row read later back in line. The target sees at most a chunk per table again, which its
 * upserts absorb; a table without a primary key it was inside is emptied and read again whole. Only when that
 * binlog position is gone is the snapshot redone.
 *
 * <p>{@link #run} runs on one thread; the binlog client reads on its own thread and hands events over through a
 * bounded queue, so handler calls stay on the run thread. {@link #stop}, {@link #status} and
 * {@link #acknowledge} are safe from any thread; acknowledging only records the position (binlog retention is by
 * time). A lost connection surfaces as a retriable {@link FerryException}; the caller restarts {@code run} from
 * the last committed position.
 */
public final class MySqlSource implements Source {

    private static final Logger LOG = LoggerFactory.getLogger(MySqlSource.class);
    private static final long POLL_MILLIS = 100;
    private static final long CONNECT_MILLIS = 15_000;

    private final SourceConfig config;
    private final long serverId;
    private final MySqlConnections connections;
    private final int chunkRows;

    private List<TableId> tables;
    private boolean mariaDb;
    /**
     * Whether positions carry GTID sets: MariaDB always logs GTIDs; MySQL names every transaction only with
     * {@code gtid_mode=ON} (the permissive modes let anonymous ones through, which a GTID resume would miss).
     */
    private boolean gtids;
    private volatile boolean stopped;
    private volatile String phase = "created";
    private volatile ChangeStream changes;
    private volatile MySqlPosition acknowledged;
    private volatile Duration lockHeld;
    private volatile List<SnapshotReader.Table> snapshotTables = List.of();
    /** The captured tables' definitions at the position streaming starts from, when this run read them there. */
    private List<TableDef> startDefs = List.of();
    private final List<AutoCloseable> open = new ArrayList<>();
    private final RequestedCopies requests = new RequestedCopies(RequestedCopies.QUOTED_NAMES);
    /** Tables requested to join that {@code source.tables} as this process read it does not match. */
    private final Set<TableId> joined = ConcurrentHashMap.newKeySet();

    /**
     * @param serverId the replica server id this capture uses on the binlog connection; unique among the
     *                 server's replicas and different from the server's own {@code server_id}
     */
    public MySqlSource(SourceConfig config, long serverId) {
        this(config, serverId, config.snapshotChunkRows());
    }

    /** As the public constructor, reading snapshots and backfills in chunks of {@code chunkRows} rows. */
    MySqlSource(SourceConfig config, long serverId, int chunkRows) {
        this.config = Objects.requireNonNull(config, "config");
        if (serverId <= 0 || serverId > 0xFFFFFFFFL) {
            throw new FerryException("MySQL replica server id " + serverId + " is invalid: use 1 to 4294967295");
        }
        this.serverId = serverId;
        this.connections = new MySqlConnections(config);
        this.chunkRows = chunkRows;
    }

    @Override
    public void prepare() {
        try (Connection c = connections.open()) {
            checkServer(c);
            mariaDb = isMariaDb(c);
            gtids = mariaDb || "ON".equalsIgnoreCase(variable(c, "gtid_mode"));
            checkPrivileges(c);
            tables = resolveTables(new Catalog(c));
            checkSelect(c, tables);
            phase = "prepared";
        } catch (SQLException e) {
            throw connections.lost(e);
        }
    }

    /** How long the last snapshot held the global read lock, or {@code null} if this source took none. */
    public Duration snapshotLockHeld() {
        return lockHeld;
    }

    private List<TableId> resolveTables(Catalog catalog) throws SQLException {
        List<TableId> resolved = TableSelector.resolve(config.tables(), config.database(), catalog.tables());
        for (TableId id : resolved) {
            TableDef def = catalog.describe(id);
            if (def != null) {
                def.keyed(config);
            }
        }
        return resolved;
    }

    private void checkServer(Connection c) throws SQLException {
        String[] names = {"log_bin", "binlog_format", "binlog_row_image", "binlog_row_metadata"};
        String[] wanted = {"ON", "ROW", "FULL", "FULL"};
        for (int i = 0; i < names.length; i++) {
            String value = variable(c, names[i]);
            if (value == null) {
                throw new FerryException("MySQL at " + connections.where() + " has no " + names[i] + " setting;"
                        + " Ferry needs MySQL 8.0.1+ or MariaDB 10.5+ with " + names[i] + "=" + wanted[i]);
            }
            String v = value.equals("1") && i == 0 ? "ON" : value.toUpperCase(Locale.ROOT);
            if (!v.equals(wanted[i])) {
                String fix = i == 0 ? "start the server with --log-bin (binary logging on) and restart it"
                        : "set " + names[i] + "=" + wanted[i] + " in the server configuration (and SET GLOBAL "
                        + names[i] + " = '" + wanted[i] + "' for the running server)";
                throw new FerryException("MySQL at " + connections.where() + " has " + names[i] + "=" + value + "; "
                        + fix);
            }
        }
    }

    private static String variable(Connection c, String name) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SHOW GLOBAL VARIABLES LIKE '" + name + "'")) {
            return rs.next() ? rs.getString(2) : null;
        }
    }

    private void checkPrivileges(Connection c) throws SQLException {
        Set<String> global = new HashSet<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW GRANTS")) {
            while (rs.next()) {
                String grant = rs.getString(1).toUpperCase(Locale.ROOT);
                int on = grant.indexOf(" ON *.* TO ");
                if (grant.startsWith("GRANT ") && on > 0) {
                    for (String p : grant.substring(6, on).split(",")) {
                        global.add(p.trim());
                    }
                }
            }
        }
        if (global.contains("ALL PRIVILEGES")) {
            return;
        }
        List<String> missing = new ArrayList<>();
        if (!global.contains("REPLICATION SLAVE")) {
            missing.add("REPLICATION SLAVE");
        }
        if (!global.contains("REPLICATION CLIENT") && !global.contains("BINLOG MONITOR")) {
            missing.add(mariaDb ? "BINLOG MONITOR" : "REPLICATION CLIENT");
        }
        if (config.snapshot() == SourceConfig.SnapshotMode.INITIAL && !global.contains("RELOAD")) {
            missing.add("RELOAD");
        }
        if (!missing.isEmpty()) {
            String list = String.join(", ", missing);
            throw new FerryException("user \"" + config.user() + "\" lacks " + list + " (needed to read the binlog"
                    + (missing.contains("RELOAD") ? " and to take a consistent snapshot" : "") + "); run GRANT "
                    + list + " ON *.* TO '" + config.user() + "'@'%'");
        }
    }

    private static boolean isMariaDb(Connection c) throws SQLException {
        return c.getMetaData().getDatabaseProductVersion().toLowerCase(Locale.ROOT).contains("mariadb");
    }

    private void checkSelect(Connection c, List<TableId> ids) {
        for (TableId id : ids) {
            try (Statement st = c.createStatement()) {
                st.executeQuery("SELECT 1 FROM " + Backticks.quote(id) + " LIMIT 0").close();
            } catch (SQLException e) {
                throw new FerryException("user \"" + config.user() + "\" cannot read table \"" + id + "\": "
                        + MySqlConnections.firstLine(e) + "; run GRANT SELECT ON " + Backticks.quote(id) + " TO '"
                        + config.user() + "'@'%'", e, false);
            }
        }
    }

    @Override
    public void run(Map<String, Object> resume, ChangeHandler captured) throws InterruptedException {
        if (tables == null) {
            prepare();
        }
        requests.restore(resume);
        ChangeHandler handler = requests.carriedBy(captured);
        MySqlPosition from = resume == null || resume.isEmpty() ? null : MySqlPosition.fromResume(resume);
        try {
            Connection catalogConnection = track(connections.open());
            Catalog catalog = new Catalog(catalogConnection);
            SchemaAnnouncer announcer = new SchemaAnnouncer(handler);
            Backfill backfill = new Backfill(track(connections.open()), chunkRows);
            boolean fresh = from == null;
            MySqlPosition start;
            ChunkedCopy resumed = null;
            if (fresh && config.snapshot() == SourceConfig.SnapshotMode.INITIAL) {
                start = snapshot(catalog, announcer, handler);
                if (start == null) {
                    return;
                }
            } else if (from != null && from.snapshotInterrupted()) {
                start = resumeSnapshot(from, catalogConnection, catalog, announcer, handler);
                if (start == null) {
                    return;
                }
            } else if (fresh) {
                start = binlogEnd(catalogConnection);
                startDefs = describeAll(catalog);
                if (config.snapshot() == SourceConfig.SnapshotMode.INCREMENTAL) {
                    // Queued before the first position is handed over, so every position carries what is left to copy.
                    LOG.info("Snapshot of {} table(s) runs in chunks alongside the binlog (snapshot: incremental)",
                            tables.size());
                    requests.accept(tables.stream().sorted(Comparator.comparing(TableId::toString)).toList());
                }
            } else {
                if (from.hasGtids() && gtids) {
                    requireGtids(catalogConnection, from);
                } else {
                    requireBinlog(catalogConnection, from);
                }
                start = from;
                if (from.backfill != null) {
                    resumed = resumedCopy(from, catalog, handler);
                    if (resumed == null && !copyFinished(from)) {
                        if (copiesBeside(from, catalog, handler)) {
                            // Copied again from its start at a new snapshot beside the stream, which drops the
                            // table's changes the new snapshot holds: nothing is applied twice.
                            LOG.info("Resuming inside the copy of {}: copying it again beside the binlog",
                                    from.backfill);
                            requests.putBack(backfillTable(from));
                        } else {
                            finishBackfill(from, backfill, handler);
                        }
                    }
                }
            }
            stream(catalog, announcer, backfill, handler, fresh || from.snapshot ? null : from, start, resumed);
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
     * The resume position is inside a backfill (or a requested copy) that cannot go on alongside the stream (a table
     * without a key, a shape changed since): the table is read again from the chunk it was in (its schema is the
     * newest published one, which the backfill's rows had) before streaming goes on.
     */
    private void finishBackfill(MySqlPosition from, Backfill backfill, ChangeHandler handler)
            throws SQLException, InterruptedException {
        TableId id = backfillTable(from);
        TableSchema schema = handler.published(id).orElse(null);
        if (schema == null) {
            return;
        }
        SnapshotProgress.Table readFrom = from.snapshotProgress == null ? null
                : from.snapshotProgress.of(from.backfill);
        LOG.info("Resuming inside the backfill of {} (row {} was handed over): reading it again {}", id,
                from.backfillRows, readFrom == null || readFrom.lastKey() == null ? "from its first row"
                        : "after row " + readFrom.rows());
        backfill.run(schema, from.inBackfill(null, 0), System.currentTimeMillis() * 1000, handler,
                Backfill.Reshape.NONE, readFrom);
    }

    /**
     * The copy a restart goes on with alongside the stream, after the key its chunk began after; null when the
     * interrupted read is one to finish before streaming (a table without a key, a shape changed since, a position
     * without the chunk's key) or is done.
     */
    private ChunkedCopy resumedCopy(MySqlPosition from, Catalog catalog, ChangeHandler handler) throws SQLException {
        TableId id = backfillTable(from);
        TableSchema schema = handler.published(id).orElse(null);
        SnapshotProgress.Table readFrom = from.snapshotProgress == null ? null
                : from.snapshotProgress.of(from.backfill);
        if (schema == null || schema.primaryKey().isEmpty() || readFrom == null || readFrom.done()) {
            return null;
        }
        TableDef now = catalog.describe(id);
        if (now == null || !now.catalogKey || !now.columnNames().equals(schema.columnNames())
                || !now.shape.primaryKey().equals(schema.primaryKey())) {
            return null;
        }
        LOG.info("Going on with the copy of {} after {} row(s), alongside the binlog", id, readFrom.rows());
        requests.resumed(id, readFrom.rows());
        return new ChunkedCopy(schema, readFrom.lastKey() == null ? null : readFrom.lastKey().toArray(new String[0]),
                readFrom.rows(), chunkRows, mariaDb, requests::done);
    }

    /**
     * Whether the interrupted read is of a table without a primary key, which a {@link KeylessCopy} copies again beside
     * the stream.
     */
    private boolean copiesBeside(MySqlPosition from, Catalog catalog, ChangeHandler handler) throws SQLException {
        TableId id = backfillTable(from);
        TableSchema schema = handler.published(id).orElse(null);
        TableDef now = schema == null ? null : catalog.describe(id);
        return now != null && !(now.catalogKey && !schema.primaryKey().isEmpty());
    }

    /** Whether the position is the last row of a copy's last chunk: nothing is left to read. */
    private static boolean copyFinished(MySqlPosition from) {
        SnapshotProgress.Table readFrom = from.snapshotProgress == null ? null
                : from.snapshotProgress.of(from.backfill);
        return readFrom != null && readFrom.done();
    }

    private static TableId backfillTable(MySqlPosition from) {
        int dot = from.backfill.indexOf('.');
        return new TableId(from.backfill.substring(0, dot), from.backfill.substring(dot + 1));
    }

    /** The captured tables as the catalog describes them now (a table dropped meanwhile is left out). */
    private List<TableDef> describeAll(Catalog catalog) throws SQLException {
        List<TableDef> out = new ArrayList<>();
        for (TableId id : tables) {
            TableDef def = catalog.describe(id);
            if (def != null) {
                out.add(def.keyed(config));
            }
        }
        return out;
    }

    /**
     * The binlog's end now, as the position streaming would start from; with the GTID set it completes where the
     * server has GTIDs (read in the same statement, or computed for that file and position, so they agree).
     */
    private MySqlPosition binlogEnd(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = BinlogCatchUp.status(st)) {
            if (!rs.next()) {
                throw new FerryException("MySQL at " + connections.where() + " reports no binlog position (SHOW"
                        + " MASTER STATUS is empty); start the server with --log-bin");
            }
            String file = rs.getString(1);
            long pos = rs.getLong(2);
            if (!gtids) {
                return MySqlPosition.snapshotDone(file, pos, null);
            }
            if (!mariaDb) {
                // Executed_Gtid_Set: one "uuid:ranges" per line when there are several.
                return MySqlPosition.snapshotDone(file, pos, rs.getString(5).replaceAll("\\s", ""));
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT BINLOG_GTID_POS(?, ?)")) {
                ps.setString(1, file);
                ps.setLong(2, pos);
                try (ResultSet g = ps.executeQuery()) {
                    g.next();
                    return MySqlPosition.snapshotDone(file, pos, g.getString(1));
                }
            }
        }
    }

    /** MySQL: every transaction outside the resume set must still be in the binlog. */
    private void requireGtids(Connection c, MySqlPosition from) throws SQLException {
        if (mariaDb) {
            return; // MariaDB refuses the dump itself (error 1236), which connectFailure reports the same way.
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT GTID_SUBSET(@@GLOBAL.gtid_purged, ?)")) {
            ps.setString(1, from.gtids);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getInt(1) == 0) {
                    throw purged(from, null, null);
                }
            }
        }
    }

    private void requireBinlog(Connection c, MySqlPosition from) throws SQLException {
        List<String> files = binlogFiles(c);
        if (!files.contains(from.file)) {
            throw purged(from, files.isEmpty() ? null : files.get(0), null);
        }
    }

    private static List<String> binlogFiles(Connection c) throws SQLException {
        List<String> files = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW BINARY LOGS")) {
            while (rs.next()) {
                files.add(rs.getString(1));
            }
        }
        return files;
    }

    /** Why streaming cannot start from {@code from}'s binlog position any more, or null if it can. */
    private String binlogGone(Connection c, MySqlPosition from) throws SQLException {
        List<String> files = binlogFiles(c);
        if (!files.contains(from.file)) {
            return "its binlog " + from.file + " was purged" + (files.isEmpty() ? "" : " (the oldest is "
                    + files.get(0) + ")");
        }
        if (gtids && !mariaDb && from.hasGtids()) {
            try (PreparedStatement ps = c.prepareStatement("SELECT GTID_SUBSET(@@GLOBAL.gtid_purged, ?)")) {
                ps.setString(1, from.gtids);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) == 0) {
                        return "transactions after its GTID set " + from.gtids + " were purged";
                    }
                }
            }
        }
        return null;
    }

    private FerryException purged(MySqlPosition from, String oldest, Exception cause) {
        String what = from.hasGtids() ? "GTID set " + from.gtids : from.file + ":" + from.startPos();
        return new FerryException("the binlog position to resume from (" + what + ") is gone from MySQL at "
                + connections.where() + (oldest == null ? "" : "; the oldest binlog is " + oldest) + ": it was purged"
                + " before Ferry read it, so changes after the last published position are lost. Take a new snapshot:"
                + " delete the pipeline's offsets or use a new pipeline name", cause, false);
    }

    /** Copies all tables consistently with a binlog position; returns where streaming starts, null if stopped. */
    private MySqlPosition snapshot(Catalog catalog, SchemaAnnouncer announcer, ChangeHandler handler)
            throws SQLException, InterruptedException {
        phase = "snapshot";
        List<Long> estimates = new ArrayList<>();
        for (TableId id : tables) {
            estimates.add(catalog.estimate(id));
        }
        int workers = ChunkSchedule.readers(config.snapshotParallelism(), chunkRows, estimates);
        List<Connection> readers = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            Connection r = track(connections.open());
            try (Statement st = r.createStatement()) {
                st.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ");
            }
            r.setAutoCommit(false);
            readers.add(r);
        }
        Connection lock = track(connections.open());
        List<SnapshotReader.Table> work = new ArrayList<>();
        MySqlPosition start;
        Catalog lockedCatalog = new Catalog(lock);
        try (Statement st = lock.createStatement()) {
            st.execute("SET SESSION lock_wait_timeout = 60");
            long asked = System.nanoTime();
            st.execute("FLUSH TABLES WITH READ LOCK");
            long locked = System.nanoTime();
            try {
                start = binlogEnd(lock);
                for (TableId id : tables) {
                    TableDef def = lockedCatalog.describe(id);
                    if (def == null) {
                        throw new FerryException("table \"" + id + "\" was dropped before the snapshot started");
                    }
                    work.add(new SnapshotReader.Table(def.keyed(config), 0));
                }
                for (Connection r : readers) {
                    try (Statement rs = r.createStatement()) {
                        rs.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
                    }
                }
            } finally {
                st.execute("UNLOCK TABLES");
            }
            long unlocked = System.nanoTime();
            lockHeld = Duration.ofNanos(unlocked - locked);
            LOG.info("Snapshot of {} table(s) at binlog {}:{} on {} reader connection(s): global read lock held {} µs"
                    + " (waited {} µs for it)", tables.size(), start.file, start.pos, workers,
                    (unlocked - locked) / 1000, (locked - asked) / 1000);
        }
        untrack(lock);
        List<TableDef> defs = new ArrayList<>();
        for (SnapshotReader.Table t : work) {
            defs.add(t.def);
        }
        startDefs = defs;
        return copy(work, readers, true, start, SnapshotProgress.EMPTY, catalog, announcer, handler);
    }

    /**
     * Goes on with a snapshot a crash interrupted, from the binlog position it is consistent with, after the rows
     * its last committed position says were handed over; redoes it when that position is gone from the binlog.
     * Returns where streaming starts, null if stopped.
     */
    private MySqlPosition resumeSnapshot(MySqlPosition from, Connection c, Catalog catalog, SchemaAnnouncer announcer,
                                         ChangeHandler handler) throws SQLException, InterruptedException {
        String gone = from.snapshotProgress == null ? "its position carries no per-table progress"
                : binlogGone(c, from);
        if (gone != null) {
            LOG.warn("Snapshot was interrupted and cannot resume: {}; redoing it (rows already published are"
                    + " published again as r events and upserted)", gone);
            return snapshot(catalog, announcer, handler);
        }
        phase = "snapshot";
        MySqlPosition start = MySqlPosition.snapshotDone(from.file, from.pos, from.gtids);
        // The binlog from the snapshot's position says what the columns were there; the catalog is ahead of it.
        startDefs = List.of();
        List<SnapshotReader.Table> work = SnapshotResume.plan(describeAll(catalog), from.snapshotProgress, handler);
        long left = work.stream().filter(t -> !t.done).count();
        LOG.info("Resuming the snapshot consistent with binlog {}:{}: {} of {} table(s) left, read as they are now",
                start.file, start.pos, left, work.size());
        List<Connection> readers = new ArrayList<>();
        List<SnapshotReader.Table> estimated = new ArrayList<>();
        for (SnapshotReader.Table t : work) {
            estimated.add(t.done ? t : t.estimated(catalog.estimate(t.id())));
        }
        int workers = SnapshotReader.readers(estimated, config.snapshotParallelism(), chunkRows);
        for (int i = 0; i < workers; i++) {
            Connection r = track(connections.open());
            try (Statement st = r.createStatement()) {
                st.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ");
            }
            r.setAutoCommit(false);
            readers.add(r);
        }
        return copy(work, readers, false, start, from.snapshotProgress, catalog, announcer, handler);
    }

    /** Reads {@code work} on {@code readers}, then hands over the boundary streaming starts at; null if stopped. */
    private MySqlPosition copy(List<SnapshotReader.Table> work, List<Connection> readers, boolean consistent,
                               MySqlPosition start, SnapshotProgress progress, Catalog catalog,
                               SchemaAnnouncer announcer, ChangeHandler handler)
            throws SQLException, InterruptedException {
        List<SnapshotReader.Table> estimated = new ArrayList<>();
        for (SnapshotReader.Table t : work) {
            estimated.add(t.estimated(t.done ? t.rowsDone : catalog.estimate(t.id())));
        }
        snapshotTables = List.copyOf(estimated);
        SnapshotReader reader = new SnapshotReader(connections, estimated, readers, consistent, start, chunkRows,
                progress);
        if (!reader.read(handler, announcer, () -> stopped)) {
            return null;
        }
        for (Connection r : readers) {
            untrack(r);
        }
        handler.boundary(start);
        handler.flush();
        return start;
    }

    private void stream(Catalog catalog, SchemaAnnouncer announcer, Backfill backfill, ChangeHandler handler,
                        MySqlPosition resume, MySqlPosition start, ChunkedCopy resumed)
            throws SQLException, InterruptedException {
        phase = "streaming";
        Predicate<TableId> captured = capturedTables();
        boolean byGtid = gtids && start.hasGtids();
        // A set is carried on only from an exact one: from a position without one, positions stay file-based.
        ChangeStream stream = new ChangeStream(handler, announcer, catalog, config, backfill, captured, resume,
                start.file, start.startPos(), gtids ? start.gtids : null, mariaDb, requests, readerConnections());
        stream.copying(resumed);
        if (resume == null) {
            // Definitions read at the start position: the catalog may be ahead of the log by the time a table's
            // first row event arrives (a column dropped since, say), and these say what the log's columns are.
            stream.known(startDefs);
        }
        stream.position = start.toString();
        changes = stream;
        BinlogClient client = track(byGtid ? BinlogClient.afterGtids(config, serverId, start.gtids)
                : BinlogClient.at(config, serverId, start.file, start.startPos()));
        try {
            client.connect(CONNECT_MILLIS);
        } catch (IOException e) {
            throw connectFailure(e, start);
        } catch (TimeoutException e) {
            throw FerryException.retriable("cannot open the binlog connection to MySQL at " + connections.where()
                    + " within " + CONNECT_MILLIS / 1000 + " s", e);
        }
        LOG.info("Streaming the binlog of {} from {}{}", connections.where(), start,
                byGtid ? " by GTID set " + start.gtids : "");
        stream.boundary = start;
        try {
            streamFrom(client, stream, backfill, handler, start);
        } finally {
            stream.cancelCopy();
        }
    }

    private void streamFrom(BinlogClient client, ChangeStream stream, Backfill backfill, ChangeHandler handler,
                            MySqlPosition start) throws SQLException, InterruptedException {
        while (!stopped) {
            Object item = client.poll(POLL_MILLIS);
            if (item == null) {
                handler.idle();
            } else if (item instanceof Event event) {
                stream.accept(event);
            }
            if (item == null || item instanceof Event) {
                if (stream.betweenTransactions()) {
                    requests.writeQueue();
                    copyRequested(stream);
                    stream.stepCopy(backfill.connection(), item == null);
                }
            } else if (item instanceof BinlogClient.Failure f) {
                if (stopped) {
                    return;
                }
                throw connectFailure(f.error(), start);
            }
        }
    }

    /** Connections for the reads of copies beside the stream, closed with the capture. */
    private KeylessCopy.Connections readerConnections() {
        return new KeylessCopy.Connections() {
            @Override
            public Connection open() throws SQLException {
                return track(connections.open());
            }

            @Override
            public void close(Connection c) {
                untrack(c);
            }
        };
    }

    /**
     * Starts the first waiting requested copy, if any and none runs: the capture thread, between transactions. A keyed
     * table's copy then runs alongside the stream, as does one without a key.
     */
    private void copyRequested(ChangeStream stream) throws SQLException, InterruptedException {
        if (!requests.hasWaiting() || stream.copyRunning()) {
            return;
        }
        for (TableId id : requests.waiting()) {
            requests.starting(id);
            if (!stream.startCopy(id, System.currentTimeMillis() * 1000, chunkRows, requests::done)) {
                LOG.warn("The requested copy of {} does not run: the table was dropped or renamed", id);
                requests.done();
            }
            return;
        }
    }

    @Override
    public List<TableId> requestSnapshot(List<String> names, List<String> sourceTables) {
        if (tables == null) {
            throw FerryException.retriable("capture has not started yet; ask again once it streams", null);
        }
        List<TableId> wanted = TableSelector.named(names, config.database());
        List<TableSelector.Entry> now = new ArrayList<>();
        for (String t : sourceTables) {
            now.add(TableSelector.parse(t, config.database()));
        }
        Predicate<TableId> captured = capturedTables();
        List<TableId> joining = new ArrayList<>();
        try (Connection c = connections.open()) {
            Catalog catalog = new Catalog(c);
            for (TableId id : wanted) {
                TableDef def = catalog.describe(id);
                if (def == null) {
                    throw new FerryException("table \"" + id + "\" does not exist at " + connections.where());
                }
                def.keyed(config); // refuses a table whose identity the source cannot capture, as at start
                if (!captured.test(id)) {
                    if (now.stream().noneMatch(e -> e.matches(id))) {
                        throw new FerryException("table \"" + id + "\" is not captured and source.tables in the"
                                + " pipeline file does not match it: add it to source.tables, then ask again");
                    }
                    joining.add(id);
                }
            }
            checkSelect(c, wanted);
        } catch (SQLException e) {
            throw connections.lost(e);
        }
        joined.addAll(joining);
        requests.accept(wanted);
        return wanted;
    }

    private FerryException connectFailure(Exception e, MySqlPosition start) {
        if (e instanceof ServerException se && se.getErrorCode() == 1236) {
            return purged(start, null, e);
        }
        return FerryException.retriable("lost the binlog connection to MySQL at " + connections.where() + ": "
                + MySqlConnections.firstLine(e), e);
    }

    private Predicate<TableId> capturedTables() {
        List<TableSelector.Entry> entries = new ArrayList<>();
        for (String text : config.tables()) {
            entries.add(TableSelector.parse(text, config.database()));
        }
        Set<TableId> resolved = Set.copyOf(tables);
        return id -> {
            if (resolved.contains(id) || joined.contains(id)) {
                return true;
            }
            for (TableSelector.Entry e : entries) {
                if (e.matches(id)) {
                    return true;
                }
            }
            return false;
        };
    }

    @Override
    public void acknowledge(SourcePosition boundary) {
        if (RequestedCopies.unwrap(boundary) instanceof MySqlPosition p) {
            acknowledged = p;
        }
    }

    @Override
    public SourceStatus status() {
        ChangeStream c = changes;
        List<SourceStatus.TableProgress> progress = new ArrayList<>();
        for (SnapshotReader.Table t : snapshotTables) {
            progress.add(new SourceStatus.TableProgress(t.id(), t.rowsDone, t.estimatedRows, t.done, chunkRows,
                    t.chunks));
        }
        MySqlPosition acked = acknowledged;
        String position = (c == null ? "" : c.position) + (acked == null ? "" : " (acknowledged " + acked + ")");
        return new SourceStatus(phase, position, c == null ? 0 : c.lastCommitMicros, progress, requests.status());
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
        MySqlConnections.closeQuietly(resource);
    }

    private void closeAll() {
        List<AutoCloseable> all;
        synchronized (open) {
            all = new ArrayList<>(open);
            open.clear();
        }
        for (int i = all.size() - 1; i >= 0; i--) {
            MySqlConnections.closeQuietly(all.get(i));
        }
    }
}
