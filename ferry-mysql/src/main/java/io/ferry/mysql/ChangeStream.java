package io.ferry.mysql;

import com.github.shyiko.mysql.binlog.GtidSet;
import com.github.shyiko.mysql.binlog.MariadbGtidSet;
import com.github.shyiko.mysql.binlog.event.DeleteRowsEventData;
import com.github.shyiko.mysql.binlog.event.Event;
import com.github.shyiko.mysql.binlog.event.EventHeaderV4;
import com.github.shyiko.mysql.binlog.event.GtidEventData;
import com.github.shyiko.mysql.binlog.event.MariadbGtidEventData;
import com.github.shyiko.mysql.binlog.event.QueryEventData;
import com.github.shyiko.mysql.binlog.event.RotateEventData;
import com.github.shyiko.mysql.binlog.event.TableMapEventData;
import com.github.shyiko.mysql.binlog.event.UpdateRowsEventData;
import com.github.shyiko.mysql.binlog.event.WriteRowsEventData;
import io.ferry.core.ChangeEvent;
import io.ferry.core.ChangeHandler;
import io.ferry.core.FerryException;
import io.ferry.core.Operation;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import java.io.Serializable;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns binlog events into {@link ChangeEvent}s and boundaries on the capture thread. Rows are numbered inside
 * each source transaction; rows at or before the resume position are skipped, so a transaction split over
 * several Kafka transactions resumes mid-way without duplicates.
 *
 * <p>Schemas follow the log: each TABLE_MAP carries the column names at that point of the binlog
 * ({@code binlog_row_metadata=FULL}). When they (or the column types) differ from the table's known definition,
 * or a DDL statement went by, the definition is read again from the catalog and must match the TABLE_MAP's
 * names; a changed shape is announced before the next row of that table.
 */
final class ChangeStream {

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

    private final ChangeHandler handler;
    private final SchemaAnnouncer announcer;
    private final Catalog catalog;
    private final Predicate<TableId> captured;
    private final MySqlPosition resume;

    private final Map<TableId, Tracked> tables = new HashMap<>();
    private final Map<Long, Tracked> byTableId = new HashMap<>();
    private Map<Integer, String> charsets;

    private String file;
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

    /**
     * @param gtids   the GTID set completed at the start, or null where the server has none or it is unknown
     * @param mariaDb whether GTIDs are MariaDB's {@code domain-server-sequence} rather than MySQL's {@code uuid:n}
     */
    ChangeStream(ChangeHandler handler, SchemaAnnouncer announcer, Catalog catalog, Predicate<TableId> captured,
                 MySqlPosition resume, String startFile, String gtids, boolean mariaDb) {
        this.handler = handler;
        this.announcer = announcer;
        this.catalog = catalog;
        this.captured = captured;
        this.resume = resume;
        this.file = startFile;
        this.executed = gtids == null ? null : mariaDb ? new MariadbGtidSet(gtids) : new GtidSet(gtids);
        this.executedText = gtids;
    }

    /**
     * Definitions known to hold at the position streaming starts from (read under the snapshot's lock): the
     * first TABLE_MAP of each table is still checked against the catalog, but a column the catalog no longer has
     * (dropped by a later DDL the stream has not reached yet) takes its type from here.
     */
    void known(List<TableDef> defs) {
        for (TableDef def : defs) {
            Tracked t = tables.computeIfAbsent(def.id, k -> new Tracked());
            if (t.def == null) {
                t.def = def;
            }
        }
    }

    void accept(Event event) throws SQLException {
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
    }

    private void begin(EventHeaderV4 header, String gtid, long txId) {
        inTx = true;
        txFile = file;
        txPos = header.getPosition();
        this.gtid = gtid;
        this.txId = txId;
        index = 0;
    }

    private void query(EventHeaderV4 header, QueryEventData q) throws SQLException {
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
                // The catalog may not know the old name's definition any more; the new name inherits it.
                Tracked old = tables.remove(tableName(r.group(1), q.getDatabase()));
                TableId to = tableName(r.group(2), q.getDatabase());
                if (old != null && old.def != null && captured.test(to)) {
                    Tracked moved = new Tracked();
                    moved.def = new TableDef(to, old.def.columns, old.def.shape.primaryKey());
                    tables.put(to, moved);
                }
            }
            Matcher m = TRUNCATE.matcher(sql);
            if (m.find()) {
                TableId id = tableName(m.group(1), q.getDatabase());
                if (captured.test(id)) {
                    Tracked t = tracked(id, null, null, null);
                    if (t != null) {
                        emit(Operation.TRUNCATE, t, header, null, null);
                    }
                }
            }
        }
        // DDL and other statements outside a transaction end their own event group.
        commit(header);
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
        byTableId.put(d.getTableId(), tracked(id, signature, names, d));
    }

    private Tracked tracked(TableId id, String signature, List<String> names, TableMapEventData map)
            throws SQLException {
        Tracked t = tables.computeIfAbsent(id, k -> new Tracked());
        if (t.def != null && (signature == null ? t.schema != null : signature.equals(t.signature))) {
            return t;
        }
        TableDef def = catalog.describe(id);
        if (def == null && t.def != null && names != null && names.equals(t.def.columnNames())) {
            def = t.def;
        }
        if (def == null && map != null) {
            def = asLogged(id, names, null, t.def, map);
        }
        if (def == null) {
            throw new FerryException("table \"" + id + "\" appears in the binlog but no longer exists in the"
                    + " catalog, so its column types are unknown; restart with a new snapshot (delete the"
                    + " pipeline's offsets or use a new pipeline name)");
        }
        if (names != null && !names.equals(def.columnNames())) {
            def = asLogged(id, names, def, t.def, map);
        }
        if (def.shape.primaryKey().isEmpty()) {
            throw new FerryException("table \"" + id + "\" has no primary key; Ferry needs a key to apply"
                    + " changes exactly once — add a primary key or remove it from source.tables");
        }
        t.def = def;
        t.signature = signature;
        t.schema = null;
        return t;
    }

    /**
     * The catalog is ahead of this binlog position (the table changed again later, or is gone): the definition at
     * this point takes each logged column from the catalog, else from the last definition this run knew, else from
     * the TABLE_MAP event itself. Same-named columns are assumed to keep their type. Null if a column stays unknown
     * and the table is gone from the catalog.
     */
    private TableDef asLogged(TableId id, List<String> names, TableDef now, TableDef before, TableMapEventData map)
            throws SQLException {
        List<MySqlColumn> columns = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            MySqlColumn c = now == null ? null : column(now, name);
            if (c == null) {
                c = before == null ? null : column(before, name);
            }
            if (c == null && map != null) {
                c = LoggedColumn.of(map, i, charsets()::get);
            }
            if (c == null) {
                if (now == null) {
                    return null;
                }
                throw new FerryException("table \"" + id + "\" has columns " + names + " at binlog position " + txFile
                        + ":" + txPos + " but " + now.columnNames() + " in the catalog, which changed again later;"
                        + " the type of column \"" + name + "\" is unknown. Restart with a new snapshot (delete the"
                        + " pipeline's offsets or use a new pipeline name)");
            }
            columns.add(c);
        }
        List<String> key = new ArrayList<>();
        if (now != null) {
            for (String k : now.shape.primaryKey()) {
                if (names.contains(k)) {
                    key.add(k);
                }
            }
        } else if (map != null && map.getEventMetadata().getSimplePrimaryKeys() != null) {
            for (int k : map.getEventMetadata().getSimplePrimaryKeys()) {
                key.add(names.get(k));
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
                        + " binlog wrote for another type than its current " + c.columnType + " (it changed after"
                        + " binlog position " + txFile + ":" + txPos + " while capture was down); restart with a new"
                        + " snapshot (delete the pipeline's offsets or use a new pipeline name)", e, false);
            }
        }
        return row;
    }

    private void emit(Operation op, Tracked t, EventHeaderV4 header, Object[] before, Object[] after) {
        int i = index++;
        if (resume != null && resume.skips(txFile, txPos, gtid, i)) {
            return;
        }
        if (t.schema == null) {
            t.schema = announcer.announce(t.def, handler);
        }
        long micros = header.getTimestamp() * 1000;
        MySqlPosition at = MySqlPosition.row(txFile, txPos, i, gtid, executedText);
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
        MySqlPosition p = MySqlPosition.commit(txFile, txPos, index - 1, header.getNextPosition(), gtid,
                executedText);
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
