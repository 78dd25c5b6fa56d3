package io.ferry.clickhouse;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Column;
import io.ferry.core.FerryException;
import io.ferry.core.Operation;
import io.ferry.core.Sink;
import io.ferry.core.SourcePosition;
import io.ferry.core.TableSchema;
import io.ferry.core.config.SinkConfig;
import io.ferry.core.schema.SchemaHistory;
import com.clickhouse.data.ClickHouseFormat;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Applies changes to ClickHouse: tables {@code <sink.database>.<source table name>} as
 * {@code ReplacingMergeTree(_ferry_version)} sorted by the source's primary key, a delete as a tombstone row with
 * {@code _ferry_deleted = 1}, and the Kafka offsets of every applied batch in {@code ferry_offsets}. Readers see
 * the source's rows with {@code SELECT ... FROM t FINAL WHERE _ferry_deleted = 0} (docs/pipeline.md).
 *
 * <p><b>The version is the change's Kafka offset.</b> The publisher sends all changes of a key to one partition in
 * source order: the snapshot's row first, then every streamed change, a backfill's rows after the schema change
 * that caused them. Offsets in a partition only grow, so a key's newer change always has the higher version; a
 * replay (after a crash, a restart, a lost partition) writes each change again with the very offset it had, so
 * the replayed row ties with itself and never beats a newer one. Nothing else has both properties: source
 * positions are not comparable across sources and snapshot reads, commit times are not unique, and a counter of
 * the sink's would give a replay new numbers.
 *
 * <p><b>Exactly once without transactions.</b> A batch checks the stored offsets (a moved one means the partition
 * is lost: nothing is written), inserts its rows, then inserts the new offsets. A crash between the two inserts
 * leaves rows ahead of the offsets; the restart reads the old offsets, replays the same records and writes the
 * same (key, version) rows, which {@code FINAL} and background merges collapse into one. So nothing is lost and
 * nothing counts twice. Events that did not come from Kafka (no offset in their position: tools and tests) are
 * versioned by a clock, which orders them but does not make their replays idempotent.
 *
 * <p>Not thread-safe: one instance per applier. It connects on first use and again after a failure.
 */
final class ClickHouseSink implements Sink {

    private final SinkConfig config;
    private final ClickHouseHttp http;
    private final String database;
    private ServerVersion server;
    private TableCatalog catalog;
    private StoredOffsets offsets;
    private boolean prepared;
    private long clockVersion;

    ClickHouseSink(SinkConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        if (config.database() == null) {
            throw new FerryException("sink.database is required for a clickhouse sink");
        }
        this.database = config.database();
        this.http = new ClickHouseHttp(config);
    }

    @Override
    public void ensureTable(TableSchema schema, SchemaHistory history) {
        ready();
        if (catalog.cached(schema) != null) {
            return;
        }
        try {
            catalog.ensure(schema, history);
        } catch (ClickHouseHttp.ServerError e) {
            catalog.forget();
            if (e.retriable()) {
                throw e;
            }
            throw new FerryException("cannot create or alter target table " + catalog.display(schema.table())
                    + " on " + http.target() + ": " + e.getMessage(), e, false);
        } catch (RuntimeException e) {
            catalog.forget();
            throw e;
        }
    }

    @Override
    public Map<Integer, Long> storedOffsets(String topic) {
        ready();
        return offsets.read(topic);
    }

    @Override
    public void apply(List<ChangeEvent> events, List<OffsetUpdate> updates) {
        if (events.isEmpty() && updates.isEmpty()) {
            return;
        }
        ready();
        ensureTables(events);
        offsets.check(updates);
        Map<String, TableRows> tables = collect(events);
        Map<String, byte[]> bodies = new LinkedHashMap<>();
        for (TableRows t : tables.values()) {
            if (t.shape() != null) {
                List<TableRows.Row> rows = t.rows();
                if (!t.table.keyless()) {
                    new UnchangedValues(http, server).fill(t, rows);
                }
                bodies.put(t.table.name(), encode(t, rows, events));
            }
        }
        for (TableRows t : tables.values()) {
            if (t.truncated()) {
                http.execute("TRUNCATE TABLE " + t.table.qualified());
            }
            byte[] body = bodies.get(t.table.name());
            if (body != null && body.length > 0) {
                List<String> cols = new ArrayList<>();
                for (Column c : t.columns()) {
                    cols.add(ClickHouseHttp.quote(c.name()));
                }
                cols.add(TargetTable.VERSION);
                cols.add(t.table.keyless() ? TargetTable.SIGN : TargetTable.DELETED);
                http.insert(t.table.qualified(), cols, body, ClickHouseFormat.RowBinary);
            }
        }
        offsets.write(updates);
    }

    private Map<String, TableRows> collect(List<ChangeEvent> events) {
        Map<String, TableRows> tables = new LinkedHashMap<>();
        for (int i = 0; i < events.size(); i++) {
            ChangeEvent e = events.get(i);
            WriteShape shape = catalog.cached(e.schema());
            TableRows rows = tables.computeIfAbsent(shape.table().name(), n -> new TableRows(shape.table()));
            if (e.op() == Operation.TRUNCATE) {
                rows.truncate();
            } else {
                rows.add(e, shape, version(e), i);
            }
        }
        return tables;
    }

    private byte[] encode(TableRows t, List<TableRows.Row> rows, List<ChangeEvent> events) {
        RowBinary out = new RowBinary();
        List<Column> columns = t.columns();
        String[] types = new String[columns.size()];
        for (int i = 0; i < types.length; i++) {
            types[i] = t.table.column(columns.get(i).name()).type();
        }
        for (TableRows.Row r : rows) {
            for (int i = 0; i < columns.size(); i++) {
                Object v = r.values[i];
                out.column(types[i]);
                if (v == null || v == ChangeEvent.UNCHANGED) {
                    out.nullCell();
                    continue;
                }
                try {
                    CellText.write(v, columns.get(i).type(), server, out);
                } catch (UnfitValueException | ClassCastException | ArithmeticException | IllegalArgumentException
                         | java.time.DateTimeException x) {
                    throw new RejectedChangeException(r.index, describe(r.index, events.get(r.index), t) + ": column "
                            + columns.get(i).name() + ": " + x.getMessage(), x);
                }
            }
            out.column("UInt64");
            out.plain(Long.toString(r.version));
            out.column(t.table.keyless() ? "Int8" : "UInt8");
            out.plain(Integer.toString(r.flag));
        }
        return out.toByteArray();
    }

    private String describe(int index, ChangeEvent e, TableRows t) {
        StringBuilder sb = new StringBuilder("target ").append(http.target()).append(" refused event #").append(index)
                .append(" (op ").append(e.op().code()).append(") on table ").append(t.table.display());
        if (!t.table.keyless()) {
            Object[] image = t.shape().project(e.keyImage());
            Object[] key = t.shape().key(image);
            List<String> parts = new ArrayList<>();
            for (int k = 0; k < key.length; k++) {
                parts.add(t.table.key().get(k) + "=" + key[k]);
            }
            sb.append(", key {").append(String.join(", ", parts)).append('}');
        }
        return sb.toString();
    }

    /** The event's Kafka offset (see the class comment), or a clock reading for events that have none. */
    private long version(ChangeEvent e) {
        long[] offset = {-1};
        e.position().describe(new SourcePosition.Fields() {
            public void put(String name, long value) {
                if (name.equals("offset")) {
                    offset[0] = value;
                }
            }

            public void put(String name, String value) {
            }

            public void put(String name, boolean value) {
            }
        });
        if (offset[0] >= 0) {
            return offset[0];
        }
        clockVersion = Math.max(clockVersion + 1, System.currentTimeMillis() * 1000);
        return clockVersion;
    }

    private void ensureTables(List<ChangeEvent> events) {
        Set<TableSchema> seen = new HashSet<>();
        for (ChangeEvent e : events) {
            if (seen.add(e.schema())) {
                ensureTable(e.schema(), SchemaHistory.NONE);
            }
        }
    }

    /** Connects, learns the server's version and creates the database and Ferry's own tables, once. */
    private void ready() {
        if (prepared) {
            return;
        }
        ServerVersion v = http.version();
        if (server == null || !server.equals(v)) {
            server = v;
            catalog = new TableCatalog(http, database, server, config.createTables(), config.schemaChanges());
            offsets = new StoredOffsets(http, database);
        }
        http.execute("CREATE DATABASE IF NOT EXISTS " + ClickHouseHttp.quote(database));
        offsets.create();
        catalog.createOwnTables();
        prepared = true;
    }

    @Override
    public void close() {
        http.close();
        prepared = false;
    }
}
