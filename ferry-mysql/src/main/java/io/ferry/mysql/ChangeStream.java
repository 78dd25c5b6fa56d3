package io.ferry.mysql;

import com.github.shyiko.mysql.binlog.GtidSet;
import com.github.shyiko.mysql.binlog.MariadbGtidSet;
import com.github.shyiko.mysql.binlog.event.DeleteRowsEventData;
import com.github.shyiko.mysql.binlog.event.Event;
import com.github.shyiko.mysql.binlog.event.EventHeaderV4;
import com.github.shyiko.mysql.binlog.event.EventType;
import com.github.shyiko.mysql.binlog.event.GtidEventData;
import com.github.shyiko.mysql.binlog.event.MariadbGtidEventData;
import com.github.shyiko.mysql.binlog.event.QueryEventData;
import com.github.shyiko.mysql.binlog.event.RotateEventData;
import com.github.shyiko.mysql.binlog.event.TableMapEventData;
import com.github.shyiko.mysql.binlog.event.TableMapEventMetadata;
import com.github.shyiko.mysql.binlog.event.UpdateRowsEventData;
import com.github.shyiko.mysql.binlog.event.WriteRowsEventData;
import io.ferry.core.ChangeEvent;
import io.ferry.core.ColumnType;
import io.ferry.core.ChangeHandler;
import io.ferry.core.FerryException;
import io.ferry.core.Operation;
import io.ferry.core.RequestedCopies;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.schema.TypeChange;
import io.ferry.core.config.SourceConfig;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns binlog events into {@link ChangeEvent}s and boundaries on the capture thread. Rows are numbered inside
 * each source transaction; rows at or before the resume position are skipped, so a transaction split over
 * several Kafka transactions resumes mid-way without duplicates.
 *
 * <p>Schemas follow the log: each TABLE_MAP carries the table's definition at that point of the binlog
 * ({@code binlog_row_metadata=FULL}: names, types, precision, signedness, charsets, enum/set labels, key), and
 * rows decode with it. A column keeps the richer definition known before (this run's, else the catalog's) only
 * where that one decodes exactly like the TABLE_MAP's; so rows written before a DDL decode as written, also
 * after a restart with the catalog ahead. ALTER TABLE statements carry renames, drops and adds to the schema
 * history of column ids ({@link SchemaAnnouncer}); right after one, the table's new shape is announced from the
 * catalog when the catalog agrees with the statement, and a shape that {@code rewritesRows} is followed by a
 * {@link Backfill} of the table's rows (a table without a primary key: a {@link KeylessCopy} beside the stream).
 *
 * <p>While a {@link ChunkedCopy} runs, the changes of its table reconcile the chunk it holds, its chunks are read and
 * handed over between transactions ({@link #stepCopy}), and every position carries its progress. While a
 * {@link KeylessCopy} runs, the changes of its table before its snapshot's position are dropped, the first
 * one after it waits for the copy's last row, and every position carries its marker.
 */
final class ChangeStream {

    private static final Logger LOG = LoggerFactory.getLogger(ChangeStream.class);
    /** Chunks a step reads and hands over at most before the stream goes on. */
    private static final int CHUNKS_PER_STEP = 4;
    /** How long a step hands over a {@link KeylessCopy}'s rows at most (and waits for them, while the binlog is idle). */
    private static final long KEYLESS_STEP_MILLIS = 50;

    private static final Pattern DDL = Pattern.compile(
            "^\\s*(?:/\\*.*?\\*/\\s*)*(ALTER|CREATE|DROP|RENAME|TRUNCATE)\\b", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern TRUNCATE = Pattern.compile(
            "^\\s*(?:/\\*.*?\\*/\\s*)*TRUNCATE\\s+(?:TABLE\\s+)?((?:`(?:[^`]|``)+`|[\\w$]+)(?:\\s*\\.\\s*(?:`(?:[^`]|``)+`|[\\w$]+))?)",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

    private static final String NAME = "((?:`(?:[^`]|``)+`|[\\w$]+)(?:\\s*\\.\\s*(?:`(?:[^`]|``)+`|[\\w$]+))?)";
    private static final Pattern RENAME = Pattern.compile(
            "^\\s*RENAME\\s+TABLE\\s+" + NAME + "\\s+TO\\s+" + NAME + "\\s*$", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

    /** A captured table's state in this run. */
    private static final class Tracked {
        TableDef def;
        TableSchema schema;
        String signature;
    }

    private static final Pattern CREATE = Pattern.compile(
            "^\\s*(?:/\\*.*?\\*/\\s*)*CREATE\\s+(?:OR\\s+REPLACE\\s+)?TABLE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?" + NAME,
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

    private final ChangeHandler handler;
    private final SchemaAnnouncer announcer;
    private final Catalog catalog;
    private final SourceConfig config;
    private final Backfill backfill;
    /**
     * Per table, columns its ALTER TABLE statements added without a value for existing rows (no default, nullable),
     * until the table's next shape is announced: adding only those needs no backfill. Lost on restart, where the
     * first new shape is backfilled anyway.
     */
    private final Map<TableId, Set<String>> addedNull = new HashMap<>();
    /**
     * Per table, the shape last announced from the catalog (at an ALTER, or for a backfill), which may be ahead of
     * the binlog: rows the binlog wrote under an older definition that this shape holds go out under it, so a stream
     * behind the table's DDL does not announce a narrower shape after a wider one (which a target under {@code evolve}
     * could not take back once it holds a wider value).
     */
    private final Map<TableId, TableSchema> ahead = new HashMap<>();
    /** Tables whose backfill waits for the binlog to reach their current shape (see backfillIfCurrent). */
    private final java.util.Set<TableId> owed = new HashSet<>();
    private final boolean mariaDb;
    private final Predicate<TableId> captured;
    private final MySqlPosition resume;
    private final RequestedCopies requests;

    private final Map<TableId, Tracked> tables = new HashMap<>();
    private final Map<Long, Tracked> byTableId = new HashMap<>();
    private Map<Integer, String> charsets;

    private String file;
    /** The end of the last event read from {@link #file}: between transactions, everything before it was handed over. */
    private long readPos;
    private ChunkedCopy copy;
    /** The copy of a table without a primary key running beside the stream, or null. */
    private KeylessCopy keyless;
    /** Where a {@link KeylessCopy}'s reader gets its connections. */
    private final KeylessCopy.Connections readers;
    private boolean inTx;
    private String txFile;
    private long txPos;
    private String gtid;
    private long txId = -1;
    private int index;
    /** Transactions completed so far, where the server has GTIDs; null otherwise. */
    private final GtidSet executed;
    private String executedText;
    volatile long lastCommitMicros;
    volatile String position = "";
    /** The last transaction boundary handed over (or the start position): where a requested copy's rows sit. */
    MySqlPosition boundary;

    /**
     * @param gtids   the GTID set completed at the start, or null where the server has none or it is unknown
     * @param mariaDb whether GTIDs are MariaDB's {@code domain-server-sequence} rather than MySQL's {@code uuid:n}
     */
    ChangeStream(ChangeHandler handler, SchemaAnnouncer announcer, Catalog catalog, SourceConfig config,
                 Backfill backfill, Predicate<TableId> captured, MySqlPosition resume, String startFile, long startPos,
                 String gtids, boolean mariaDb, RequestedCopies requests, KeylessCopy.Connections readers) {
        this.handler = handler;
        this.readers = readers;
        this.announcer = announcer;
        this.catalog = catalog;
        this.config = config;
        this.backfill = backfill;
        this.captured = captured;
        this.resume = resume;
        this.file = startFile;
        this.readPos = startPos;
        this.mariaDb = mariaDb;
        this.requests = requests;
        this.executed = gtids == null ? null : mariaDb ? new MariadbGtidSet(gtids) : new GtidSet(gtids);
        this.executedText = gtids;
    }

    /**
     * Definitions known to hold at the position streaming starts from (read under the snapshot's lock): the first
     * TABLE_MAP of each table takes a column's description from here where it decodes alike.
     */
    void known(List<TableDef> defs) {
        for (TableDef def : defs) {
            Tracked t = tables.computeIfAbsent(def.id, k -> new Tracked());
            if (t.def == null) {
                t.def = def;
            }
        }
    }

    void accept(Event event) throws SQLException, InterruptedException {
        EventHeaderV4 header = event.getHeader();
        switch (header.getEventType()) {
            case ROTATE -> file = ((RotateEventData) event.getData()).getBinlogFilename();
            case MARIADB_GTID -> {
                MariadbGtidEventData g = event.getData();
                begin(header, g.getDomainId() + "-" + g.getServerId() + "-" + g.getSequence(), g.getSequence());
            }
            case GTID -> {
                GtidEventData g = event.getData();
                begin(header, g.getGtid(), g.getMySqlGtid() == null ? -1 : g.getMySqlGtid().getTransactionId());
            }
            case ANONYMOUS_GTID -> begin(header, null, -1);
            case QUERY -> query(header, event.getData());
            case TABLE_MAP -> tableMap(event.getData());
            case WRITE_ROWS, EXT_WRITE_ROWS -> {
                WriteRowsEventData d = event.getData();
                Tracked t = byTableId.get(d.getTableId());
                if (t != null) {
                    for (Serializable[] row : d.getRows()) {
                        emit(Operation.CREATE, t, header, null, decode(t, d.getIncludedColumns(), row));
                    }
                } else {
                    index += d.getRows().size();
                }
            }
            case UPDATE_ROWS, EXT_UPDATE_ROWS -> {
                UpdateRowsEventData d = event.getData();
                Tracked t = byTableId.get(d.getTableId());
                if (t != null) {
                    for (Entry<Serializable[], Serializable[]> row : d.getRows()) {
                        emit(Operation.UPDATE, t, header, decode(t, d.getIncludedColumnsBeforeUpdate(), row.getKey()),
                                decode(t, d.getIncludedColumns(), row.getValue()));
                    }
                } else {
                    index += d.getRows().size();
                }
            }
            case DELETE_ROWS, EXT_DELETE_ROWS -> {
                DeleteRowsEventData d = event.getData();
                Tracked t = byTableId.get(d.getTableId());
                if (t != null) {
                    for (Serializable[] row : d.getRows()) {
                        emit(Operation.DELETE, t, header, decode(t, d.getIncludedColumns(), row), null);
                    }
                } else {
                    index += d.getRows().size();
                }
            }
            case XID -> commit(header);
            default -> {
            }
        }
        if (header.getEventType() == EventType.ROTATE) {
            readPos = ((RotateEventData) event.getData()).getBinlogPosition();
        } else if (header.getNextPosition() > readPos) {
            // A heartbeat too: it names how far the server has sent, also past transactions a GTID start skipped.
            readPos = header.getNextPosition();
        }
    }

    private void begin(EventHeaderV4 header, String gtid, long txId) {
        inTx = true;
        txFile = file;
        txPos = header.getPosition();
        this.gtid = gtid;
        this.txId = txId;
        index = 0;
    }

    private void query(EventHeaderV4 header, QueryEventData q) throws SQLException, InterruptedException {
        String sql = q.getSql().trim();
        if (sql.equalsIgnoreCase("BEGIN")) {
            if (!inTx) {
                begin(header, null, -1);
            }
            return;
        }
        if (sql.equalsIgnoreCase("COMMIT") || sql.equalsIgnoreCase("ROLLBACK")) {
            commit(header);
            return;
        }
        if (!inTx) {
            begin(header, null, -1);
        }
        if (DDL.matcher(sql).find()) {
            // The definitions may have changed: the next TABLE_MAP of each table is checked against the catalog.
            for (Tracked t : tables.values()) {
                t.signature = null;
            }
            Matcher r = RENAME.matcher(sql);
            if (r.find()) {
                tableRenamed(tableName(r.group(1), q.getDatabase()), tableName(r.group(2), q.getDatabase()), header);
            }
            AlterTable alter = AlterTable.parse(sql, q.getDatabase());
            if (alter != null && (captured.test(alter.table()) || tables.containsKey(alter.table()))) {
                altered(alter, header);
            }
            Matcher created = CREATE.matcher(sql);
            if (created.find()) {
                TableId id = tableName(created.group(1), q.getDatabase());
                if (captured.test(id) && announcer.previous(id) == null) {
                    reshaped(id, null, false, header);
                }
            }
            Matcher m = TRUNCATE.matcher(sql);
            if (m.find()) {
                TableId id = tableName(m.group(1), q.getDatabase());
                if (captured.test(id)) {
                    Tracked t = forTruncate(id);
                    if (t != null) {
                        emit(Operation.TRUNCATE, t, header, null, null);
                    }
                }
            }
        }
        // DDL and other statements outside a transaction end their own event group.
        commit(header);
    }

    /**
     * RENAME TABLE (or ALTER TABLE ... RENAME): a captured table keeps its definition and history under the new
     * name; a table that enters capture this way brings rows the binlog never showed, so it is backfilled.
     */
    private void tableRenamed(TableId from, TableId to, EventHeaderV4 header) throws SQLException,
            InterruptedException {
        Tracked old = tables.remove(from);
        boolean known = old != null || announcer.previous(from) != null;
        announcer.tableRenamed(from, to);
        if (!captured.test(to)) {
            return;
        }
        if (old != null && old.def != null) {
            Tracked moved = new Tracked();
            moved.def = new TableDef(to, old.def.columns, old.def.catalogKey ? old.def.shape.primaryKey() : List.of())
                    .keyed(config);
            tables.put(to, moved);
        }
        if (!known) {
            reshaped(to, null, true, header);
        }
    }

    /** Whether the last event read ended a transaction (or none began): a requested copy may run now. */
    boolean betweenTransactions() {
        return !inTx;
    }

    /**
     * Starts copying a requested table's current rows, announcing its shape as the catalog has it now first (a table
     * joining capture is announced here): a keyed table in chunks alongside the stream ({@link ChunkedCopy}), one
     * without a primary key in one snapshot at an exact binlog position beside the stream ({@link KeylessCopy}).
     * {@code finished} runs once its last row was handed over. Returns false when the table no longer exists.
     */
    boolean startCopy(TableId id, long eventMicros, int chunkRows, Runnable finished) throws SQLException {
        TableDef now = catalog.describe(id);
        if (now == null) {
            return false;
        }
        now = now.keyed(config);
        Tracked t = tables.computeIfAbsent(id, k -> new Tracked());
        t.def = now;
        t.signature = null;
        t.schema = announcer.evolve(now, leftNull(id)).schema();
        addedNull.remove(id);
        ahead.put(id, t.schema);
        owed.remove(id);
        if (now.catalogKey && !t.schema.primaryKey().isEmpty()) {
            copy = new ChunkedCopy(t.schema, null, 0, chunkRows, mariaDb, finished);
            return true;
        }
        keyless = KeylessCopy.start(t.schema, now, readers, chunkRows, mariaDb, file, readPos, boundary, eventMicros,
                handler, finished);
        return true;
    }

    private Set<String> leftNull(TableId id) {
        return addedNull.computeIfAbsent(id, k -> new HashSet<>());
    }

    /** ALTER TABLE on a captured table: column identity follows, then the new shape where the catalog agrees. */
    private void altered(AlterTable alter, EventHeaderV4 header) throws SQLException, InterruptedException {
        TableId id = alter.table();
        for (AlterTable.Op op : alter.ops()) {
            if (op instanceof AlterTable.Renamed rn) {
                announcer.renamed(id, rn.from(), rn.to());
                leftNull(id).remove(rn.from());
                leftNull(id).remove(rn.to());
            } else if (op instanceof AlterTable.Dropped d) {
                announcer.dropped(id, d.name());
                leftNull(id).remove(d.name());
            } else if (op instanceof AlterTable.Added a) {
                announcer.added(id, a.name());
                if (a.leftNull()) {
                    leftNull(id).add(a.name());
                } else {
                    leftNull(id).remove(a.name());
                }
            } else if (op instanceof AlterTable.TableRenamed tr && tr.to() != null) {
                tableRenamed(id, tr.to(), header);
                id = tr.to();
            }
        }
        if (captured.test(id) && announcer.previous(id) != null) {
            reshaped(id, announcer.knownNames(id), false, header);
        }
    }

    /**
     * Announces the table's shape as the catalog has it now, when that is the shape right after this DDL: its
     * column names are {@code expected} (null: any), i.e. no later DDL moved the catalog on. Rows the change
     * rewrote (or, with {@code backfillAll}, every row) are backfilled. Otherwise the next TABLE_MAP announces.
     */
    private void reshaped(TableId id, Set<String> expected, boolean backfillAll, EventHeaderV4 header)
            throws SQLException, InterruptedException {
        TableDef now = catalog.describe(id);
        if (now == null || expected != null && !expected.equals(new java.util.HashSet<>(now.columnNames()))) {
            return;
        }
        now = now.keyed(config);
        Tracked t = tables.computeIfAbsent(id, k -> new Tracked());
        t.def = now;
        t.signature = null;
        SchemaAnnouncer.Shape shape = announcer.evolve(now, leftNull(id));
        addedNull.remove(id);
        t.schema = shape.schema();
        ahead.put(id, t.schema);
        if (copy != null && copy.table().equals(id)) {
            copy.reshaped(t.schema);
        }
        if (shape.rewritesRows() || backfillAll || owed.remove(id)) {
            backfill(t.schema, header, index - 1);
        }
    }

    /**
     * Backfills a table whose shape, announced from a TABLE_MAP, rewrote rows, when that shape is still the
     * catalog's: the rows read now decode with the catalog's types. Otherwise (the binlog is behind a later DDL of
     * the table) today's rows do not fit that shape, and the backfill is owed until a later statement or TABLE_MAP
     * brings the table's current shape.
     */
    private void backfillIfCurrent(Tracked t, EventHeaderV4 header, int lastRow) throws SQLException,
            InterruptedException {
        TableId id = t.schema.table();
        TableDef now = catalog.describe(id);
        if (now == null || !sameKinds(t.schema, now.shape)) {
            owed.add(id);
            return;
        }
        owed.remove(id);
        backfill(t.schema, header, lastRow);
    }

    /**
     * Whether rows of {@code older} go out unchanged under {@code wider}: same columns and key, each of the same kind
     * and type or a wider one of it, NULL allowed where {@code older} allows it.
     */
    private static boolean holds(TableSchema wider, TableSchema older) {
        if (!wider.columnNames().equals(older.columnNames()) || !wider.primaryKey().equals(older.primaryKey())) {
            return false;
        }
        for (int i = 0; i < older.columns().size(); i++) {
            io.ferry.core.Column was = older.columns().get(i);
            io.ferry.core.Column is = wider.columns().get(i);
            if (was.type().kind() != is.type().kind() || was.nullable() && !is.nullable()
                    || !was.type().equals(is.type()) && TypeChange.of(was.type(), is.type()) != TypeChange.WIDENING) {
                return false;
            }
        }
        return true;
    }

    /** Same column names, in order, with the same kinds: values read by the catalog's types fit the schema. */
    private static boolean sameKinds(TableSchema schema, TableSchema catalogShape) {
        if (!schema.columnNames().equals(catalogShape.columnNames())) {
            return false;
        }
        for (int i = 0; i < schema.columns().size(); i++) {
            if (!schema.columns().get(i).type().equals(catalogShape.columns().get(i).type())
                    && schema.columns().get(i).type().kind() != catalogShape.columns().get(i).type().kind()) {
                return false;
            }
        }
        return true;
    }

    private void backfill(TableSchema schema, EventHeaderV4 header, int lastRow) throws SQLException,
            InterruptedException {
        MySqlPosition at = MySqlPosition.row(txFile, txPos, lastRow, gtid, executedText);
        TableDef now = catalog.describe(schema.table());
        if (now != null && !(now.catalogKey && !schema.primaryKey().isEmpty())) {
            now = now.keyed(config);
            backfillBeside(upToDate(schema, now), now, at, header.getTimestamp() * 1000);
            return;
        }
        // The rows of this backfill carry their own progress, not the running copy's: while they are handed over the
        // copy waits in the queue, so that a crash meanwhile copies its table again from the start.
        TableId waits = copy == null || copy.table().equals(schema.table()) ? null : copy.table();
        if (waits != null) {
            requests.putBack(waits);
        }
        ChunkedCopy running = copy;
        copy = waits == null ? null : copy;
        KeylessCopy wholeRead = keyless;
        if (keyless != null) {
            // Its marker leaves the positions meanwhile; the queue carries it instead. Read whole by the backfill
            // when it is this table's; a crash meanwhile copies it again.
            keyless = keyless.table().equals(schema.table()) ? null : keyless;
            requests.putBack(wholeRead.table());
        }
        backfill.run(schema, at, header.getTimestamp() * 1000, handler, this::upToDate);
        if (waits != null) {
            requests.starting(waits);
        } else if (running != null) {
            // Read whole just now: nothing is left to copy.
            running.end();
        }
        if (wholeRead != null) {
            requests.starting(wholeRead.table());
            if (keyless == null) {
                wholeRead.cancel();
                requests.done();
            }
        }
    }

    /**
     * A table without a primary key is backfilled beside the stream at an exact position after the DDL
     * ({@link KeylessCopy}): read as it is now while the stream is behind, its changes in between would be applied
     * twice. A copy running meanwhile goes back in the queue, to be copied again from its start (one of the same table
     * ends: this read replaces it).
     */
    private void backfillBeside(TableSchema schema, TableDef now, MySqlPosition at, long eventMicros) {
        if (copy != null) {
            if (copy.table().equals(schema.table())) {
                copy.end();
            } else {
                requests.putBack(copy.table());
            }
            copy = null;
        }
        if (keyless != null) {
            keyless.cancel();
            if (keyless.table().equals(schema.table())) {
                requests.done();
            } else {
                requests.putBack(keyless.table());
            }
        }
        keyless = KeylessCopy.start(schema, now, readers, backfill.chunkRows(), mariaDb, file, readPos, at,
                eventMicros, handler, () -> { });
    }

    /**
     * The schema a backfill's rows go out under: {@code wanted}, unless a DDL the binlog has not reached yet made a
     * column's values something {@code wanted}'s type cannot hold (an enum that gained a label); then the table's
     * shape now is announced first, as the rows read now need.
     */
    private TableSchema upToDate(TableSchema wanted, TableDef now) {
        TableDef keyed = now.keyed(config);
        boolean holds = wanted.columnNames().equals(keyed.shape.columnNames());
        for (int i = 0; holds && i < wanted.columns().size(); i++) {
            ColumnType was = wanted.columns().get(i).type();
            ColumnType is = keyed.shape.columns().get(i).type();
            holds = was.equals(is) || TypeChange.of(is, was) == TypeChange.WIDENING;
        }
        if (holds) {
            return wanted;
        }
        Tracked t = tables.computeIfAbsent(wanted.table(), k -> new Tracked());
        t.def = keyed;
        t.signature = null;
        t.schema = announcer.evolve(keyed, Set.of()).schema();
        ahead.put(wanted.table(), t.schema);
        if (copy != null && copy.table().equals(wanted.table())) {
            copy.reshaped(t.schema);
        }
        return t.schema;
    }

    private void tableMap(TableMapEventData d) throws SQLException {
        TableId id = new TableId(d.getDatabase(), d.getTable());
        if (!captured.test(id)) {
            byTableId.remove(d.getTableId());
            return;
        }
        List<String> names = d.getEventMetadata() == null ? null : d.getEventMetadata().getColumnNames();
        if (names == null || names.isEmpty()) {
            throw new FerryException("the binlog has no column names for table \"" + id + "\": set"
                    + " binlog_row_metadata=FULL on the server (SET GLOBAL binlog_row_metadata = 'FULL' and in the"
                    + " server configuration)");
        }
        String signature = names + Arrays.toString(d.getColumnTypes()) + Arrays.toString(d.getColumnMetadata());
        Tracked t = tables.computeIfAbsent(id, k -> new Tracked());
        if (t.def == null || !signature.equals(t.signature)) {
            TableDef def = logged(id, names, t.def, d).keyed(config);
            t.def = def;
            t.schema = null;
            t.signature = signature;
        }
        byTableId.put(d.getTableId(), t);
    }

    /** The table's definition for a TRUNCATE: as known, else from the catalog; null if unknown. */
    private Tracked forTruncate(TableId id) throws SQLException {
        Tracked t = tables.get(id);
        if (t != null && t.def != null) {
            return t;
        }
        TableDef def = catalog.describe(id);
        if (def == null) {
            return null;
        }
        t = tables.computeIfAbsent(id, k -> new Tracked());
        t.def = def.keyed(config);
        return t;
    }

    /**
     * The definition this TABLE_MAP describes. Each column is the one known before in this run, else the one
     * last published (an earlier run's), else the catalog's, where that decodes exactly as the event says (it names the type more richly: lengths, MariaDB's
     * JSON); else the event's own description ({@link LoggedColumn}). The key is the event's primary key where it
     * carries one, else the known or catalog key restricted to the logged columns.
     */
    private TableDef logged(TableId id, List<String> names, TableDef before, TableMapEventData map)
            throws SQLException {
        TableDef now = null;
        boolean nowRead = false;
        List<MySqlColumn> columns = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            int type = map.getColumnTypes()[i] & 0xFF;
            MySqlColumn logged = LoggedColumn.of(map, i, charsets()::get, mariaDb);
            MySqlColumn c = column(before, name);
            if (c != null && !c.decodesLike(logged, type)) {
                c = null;
            }
            if (c == null && before == null) {
                // The schema history: the column as this pipeline last published it (an earlier run).
                TableSchema history = announcer.previous(id);
                int at = history == null ? -1 : history.indexOf(name);
                c = at < 0 ? null : MySqlColumn.published(history.columns().get(at), logged);
                if (c != null && !c.decodesLike(logged, type)) {
                    c = null;
                }
            }
            if (c == null) {
                if (!nowRead) {
                    now = catalog.describe(id);
                    nowRead = true;
                }
                c = column(now, name);
                if (c != null && !c.decodesLike(logged, type)) {
                    c = null;
                }
            }
            if (c == null) {
                c = logged;
            }
            if (c == null) {
                throw new FerryException("table \"" + id + "\" has column \"" + name + "\" of binlog type " + type
                        + " at binlog position " + txFile + ":" + txPos + ", which neither the TABLE_MAP event nor the"
                        + " catalog (changed again later) describes; restart with a new snapshot (delete the"
                        + " pipeline's offsets or use a new pipeline name)");
            }
            columns.add(logged == null ? c : c.withNullable(logged.nullable));
        }
        List<String> key = new ArrayList<>();
        TableMapEventMetadata meta = map.getEventMetadata();
        if (meta.getSimplePrimaryKeys() != null && !meta.getSimplePrimaryKeys().isEmpty()) {
            for (int k : meta.getSimplePrimaryKeys()) {
                key.add(names.get(k));
            }
        } else if (meta.getPrimaryKeysWithPrefix() != null && !meta.getPrimaryKeysWithPrefix().isEmpty()) {
            for (int k : meta.getPrimaryKeysWithPrefix().keySet()) {
                key.add(names.get(k));
            }
        } else {
            TableDef from = before;
            if (from == null || !from.catalogKey) {
                if (!nowRead) {
                    now = catalog.describe(id);
                }
                from = now;
            }
            if (from != null && from.catalogKey) {
                for (String k : from.shape.primaryKey()) {
                    if (names.contains(k)) {
                        key.add(k);
                    }
                }
            }
        }
        return new TableDef(id, columns, key);
    }

    private Map<Integer, String> charsets() throws SQLException {
        if (charsets == null) {
            charsets = catalog.charsetsByCollation();
        }
        return charsets;
    }

    private static MySqlColumn column(TableDef def, String name) {
        if (def == null) {
            return null;
        }
        for (MySqlColumn c : def.columns) {
            if (c.name.equals(name)) {
                return c;
            }
        }
        return null;
    }

    private Object[] decode(Tracked t, BitSet included, Serializable[] cells) {
        List<MySqlColumn> cols = t.def.columns;
        Object[] row = new Object[cols.size()];
        int cell = 0;
        for (int i = 0; i < row.length; i++) {
            if (included != null && !included.get(i)) {
                row[i] = ChangeEvent.UNCHANGED;
                continue;
            }
            try {
                row[i] = cols.get(i).fromBinlog(cells[cell++]);
            } catch (ClassCastException e) {
                MySqlColumn c = cols.get(i);
                throw new FerryException("column \"" + c.name + "\" of table \"" + t.def.id + "\" holds a value the"
                        + " binlog wrote for another type than " + c.columnType + " at binlog position " + txFile + ":"
                        + txPos + "; this is a bug in Ferry's reading of the TABLE_MAP event", e, false);
            }
        }
        return row;
    }

    private void emit(Operation op, Tracked t, EventHeaderV4 header, Object[] before, Object[] after)
            throws SQLException, InterruptedException {
        int i = index++;
        if (resume != null && resume.skips(txFile, txPos, gtid, i)) {
            return;
        }
        TableSchema wider = t.schema == null ? ahead.get(t.def.id) : null;
        if (wider != null && announcer.previous(t.def.id) == wider && holds(wider, t.def.shape)) {
            t.schema = wider;
        } else if (t.schema == null) {
            ahead.remove(t.def.id);
            SchemaAnnouncer.Shape shape = announcer.evolve(t.def, leftNull(t.def.id));
            addedNull.remove(t.def.id);
            t.schema = shape.schema();
            if (shape.rewritesRows() || owed.contains(t.schema.table())) {
                backfillIfCurrent(t, header, i - 1);
            }
        }
        if (copy != null && copy.table().equals(t.schema.table())) {
            copy.reshaped(t.schema);
            if (op == Operation.TRUNCATE) {
                copy.truncated();
            } else {
                copy.changed(before, after);
            }
        }
        long micros = header.getTimestamp() * 1000;
        if (keyless != null && keyless.table().equals(t.schema.table())) {
            if (keyless.before(txFile, txPos)) {
                return; // the copy's snapshot holds this change
            }
            // Exactly before this row: a restart resumes at it, and the copy's marker copies the table again.
            keyless.handOverAll(marked(MySqlPosition.row(txFile, txPos, i - 1, gtid, executedText)), micros, handler);
            keyless = null;
        }
        MySqlPosition at = marked(MySqlPosition.row(txFile, txPos, i, gtid, executedText));
        handler.change(new ChangeEvent(op, t.schema, before, after, at, txId, micros));
    }

    private void commit(EventHeaderV4 header) {
        if (!inTx) {
            return;
        }
        inTx = false;
        lastCommitMicros = header.getTimestamp() * 1000;
        if (executed != null && gtid != null) {
            executed.add(gtid);
            executedText = executed.toString();
        }
        boundary = MySqlPosition.commit(txFile, txPos, index - 1, header.getNextPosition(), gtid, executedText);
        MySqlPosition p = marked(boundary);
        position = p.toString();
        handler.boundary(p);
    }

    private MySqlPosition marked(MySqlPosition p) {
        return copy != null ? copy.mark(p) : keyless != null ? keyless.mark(p) : p;
    }

    /** Whether a requested copy runs beside the stream. */
    boolean copyRunning() {
        return copy != null || keyless != null;
    }

    /** Stops the read of a copy beside the stream, if one runs: the capture ends. */
    void cancelCopy() {
        if (keyless != null) {
            keyless.cancel();
        }
    }

    /** Runs {@code c} alongside the stream (a restart going on with one). */
    void copying(ChunkedCopy c) {
        copy = c;
    }

    /**
     * Between transactions: hands the copy's held chunk over once the stream has passed its high watermark, and reads
     * the next one; a few chunks at most, so the stream goes on. {@code c} is the connection chunks are read on;
     * {@code idle} says the binlog had nothing to hand over just now.
     */
    void stepCopy(Connection c, boolean idle) throws SQLException, InterruptedException {
        if (keyless != null && !inTx) {
            long rows = keyless.rows();
            if (keyless.step(marked(boundary), file, readPos, System.currentTimeMillis() * 1000, handler,
                    KEYLESS_STEP_MILLIS, idle)) {
                keyless = null;
            } else if (keyless.rows() == rows) {
                return;
            }
            // The rows handed over, or the copy's end, become a position that may commit.
            MySqlPosition p = marked(boundary);
            position = p.toString();
            handler.boundary(p);
            return;
        }
        for (int i = 0; i < CHUNKS_PER_STEP && copy != null && !inTx; i++) {
            if (copy.due(file, readPos)) {
                handOverCopy();
            } else if (!copy.mayRead()) {
                return;
            } else if (!copy.read(c, file, readPos)) {
                LOG.info("Table {} was dropped during its copy; the copy ends", copy.table());
                copy.end();
                copy = null;
            } else if (!copy.due(file, readPos)) {
                return;
            }
        }
    }

    /** Hands the copy's held chunk over at the last boundary, and that boundary again, carrying the progress. */
    private void handOverCopy() {
        if (copy.handOver(boundary, System.currentTimeMillis() * 1000, handler, file, readPos)) {
            LOG.info("Copy of {} done: {} row(s), alongside the stream", copy.table(), copy.rows());
            copy = null;
        }
        MySqlPosition p = marked(boundary);
        position = p.toString();
        handler.boundary(p);
    }

    private static TableId tableName(String text, String defaultDb) {
        String[] parts = splitQualified(text);
        return parts.length == 2 ? new TableId(parts[0], parts[1]) : new TableId(defaultDb, parts[0]);
    }

    private static String[] splitQualified(String text) {
        List<String> parts = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '`') {
                if (quoted && i + 1 < text.length() && text.charAt(i + 1) == '`') {
                    cur.append('`');
                    i++;
                } else {
                    quoted = !quoted;
                }
            } else if (c == '.' && !quoted) {
                parts.add(cur.toString().trim());
                cur.setLength(0);
            } else if (quoted || !Character.isWhitespace(c)) {
                cur.append(c);
            }
        }
        parts.add(cur.toString().trim());
        return parts.toArray(new String[0]);
    }
}
