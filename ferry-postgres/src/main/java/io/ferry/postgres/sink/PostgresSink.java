package io.ferry.postgres.sink;

import io.ferry.core.apply.BatchPlan;
import io.ferry.core.ChangeEvent;
import io.ferry.core.FerryException;
import io.ferry.core.Operation;
import io.ferry.core.TableSchema;
import io.ferry.core.Sink;
import io.ferry.core.config.SinkConfig;
import io.ferry.core.schema.SchemaHistory;
import io.ferry.sink.jdbc.OffsetsFirst;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Applies changes to a PostgreSQL database: tables {@code "<sink.schema>"."<source table>"}, created and
 * widened from the published table schemas, and the Kafka offsets of every applied batch in
 * {@code "<sink.schema>".ferry_offsets}, written in the batch's transaction with a check-and-set.
 *
 * <p>One connection, opened on first use and reopened after it is lost; a failed call leaves nothing
 * written. Not thread-safe: one instance per applier.
 */
public final class PostgresSink implements Sink {

    /**
     * COPY into a staging table costs a few round trips more than a multi-row INSERT, and pays off from
     * about this many rows of one table and column set (UpsertStrategyBenchmark).
     */
    static final int COPY_FROM_ROWS = 2000;

    private final SinkConnection connection;
    private final TargetCatalog catalog;
    private final OffsetStore offsets;
    private final String schema;
    private final UpsertWriter small;
    private final UpsertWriter large;
    private final int largeFrom;
    private Connection prepared;

    public PostgresSink(SinkConfig config) {
        this(config, new InsertValuesWriter(), new CopyMergeWriter(), COPY_FROM_ROWS);
    }

    /** Groups of at least {@code largeFrom} rows go to {@code large}, smaller ones to {@code small}. */
    PostgresSink(SinkConfig config, UpsertWriter small, UpsertWriter large, int largeFrom) {
        Objects.requireNonNull(config, "config");
        if (config.database() == null || config.user() == null) {
            throw new FerryException("sink.database and sink.user are required for a postgres sink");
        }
        this.schema = config.schema() == null ? "public" : config.schema();
        this.connection = new SinkConnection(config);
        this.catalog = new TargetCatalog(schema, config.createTables());
        this.offsets = new OffsetStore(schema);
        this.small = small;
        this.large = large;
        this.largeFrom = largeFrom;
    }

    @Override
    public void ensureTable(TableSchema table, SchemaHistory history) {
        if (catalog.cached(table) != null) {
            return;
        }
        Connection c = ready();
        try {
            catalog.ensure(c, table);
            c.commit();
        } catch (SQLException e) {
            catalog.forget();
            connection.rollbackQuietly();
            if (connection.isTransient(e)) {
                throw connection.retriable("creating table " + schema + "." + table.table().table(), e);
            }
            throw new FerryException("cannot create or alter target table " + schema + "." + table.table().table()
                    + " on " + connection.target() + ": " + e.getMessage(), e, false);
        } catch (RuntimeException e) {
            catalog.forget();
            connection.rollbackQuietly();
            throw e;
        }
    }

    @Override
    public Map<Integer, Long> storedOffsets(String topic) {
        Connection c = ready();
        try {
            Map<Integer, Long> stored = offsets.read(c, topic);
            c.commit();
            return stored;
        } catch (SQLException e) {
            connection.rollbackQuietly();
            if (connection.isTransient(e)) {
                throw connection.retriable("reading stored offsets of " + topic, e);
            }
            throw new FerryException("cannot read " + schema + ".ferry_offsets on " + connection.target() + ": "
                    + e.getMessage(), e, false);
        }
    }

    @Override
    public void apply(List<ChangeEvent> events, List<OffsetUpdate> updates) {
        if (events.isEmpty() && updates.isEmpty()) {
            return;
        }
        ensureTables(events);
        List<BatchPlan.Step> plan = BatchPlan.of(events);
        Connection c = ready();
        try {
            OffsetsFirst.moveAll(c, updates, offsets::move, schema + ".ferry_offsets", connection.target(),
                    this::rollback);
            for (BatchPlan.Step step : plan) {
                execute(c, step, largeFrom);
            }
            c.commit();
            large.committed();
            small.committed();
        } catch (SQLException e) {
            rollback();
            if (connection.isTransient(e)) {
                throw connection.retriable("applying " + events.size() + " events", e);
            }
            throw rejected(events, e);
        }
    }

    private void ensureTables(List<ChangeEvent> events) {
        Set<TableSchema> seen = new HashSet<>();
        TableSchema last = null;
        for (ChangeEvent e : events) {
            if (e.schema() != last && seen.add(e.schema())) {
                ensureTable(e.schema(), SchemaHistory.NONE);
            }
            last = e.schema();
        }
    }

    private void rollback() {
        connection.rollbackQuietly();
        large.reset();
        small.reset();
    }

    /** Runs one step; groups of at least {@code largeFrom} rows are written with the large writer. */
    private void execute(Connection c, BatchPlan.Step step, int largeFrom) throws SQLException {
        TargetTable target = catalog.cached(step.schema());
        if (step instanceof BatchPlan.Truncate) {
            try (Statement st = c.createStatement()) {
                st.execute("TRUNCATE " + target.qualified());
            }
            return;
        }
        BatchPlan.Rows rows = (BatchPlan.Rows) step;
        if (!rows.deletes().isEmpty()) {
            KeyDeletes.delete(c, target, rows.schema(), rows.deletes());
        }
        int width = rows.schema().columns().size();
        Map<BitSet, List<Object[]>> byPresentColumns = new LinkedHashMap<>();
        for (Object[] row : rows.upserts()) {
            BitSet present = new BitSet(width);
            for (int i = 0; i < width; i++) {
                if (row[i] != ChangeEvent.UNCHANGED) {
                    present.set(i);
                }
            }
            byPresentColumns.computeIfAbsent(present, k -> new ArrayList<>()).add(row);
        }
        for (Map.Entry<BitSet, List<Object[]>> group : byPresentColumns.entrySet()) {
            UpsertWriter writer = group.getValue().size() >= largeFrom ? large : small;
            writer.upsert(c, target, rows.schema(), group.getKey().stream().toArray(), group.getValue());
        }
    }

    /**
     * Finds the event the target refuses by applying the batch again one event at a time, with constraints
     * checked at once, in a transaction that is then rolled back. The first event that fails is the one:
     * every event before it was applied without error.
     */
    private FerryException rejected(List<ChangeEvent> events, SQLException batchFailure) {
        Connection c = ready();
        int index = 0;
        try {
            try (Statement st = c.createStatement()) {
                st.execute("SET CONSTRAINTS ALL IMMEDIATE");
            }
            for (; index < events.size(); index++) {
                ChangeEvent e = events.get(index);
                for (BatchPlan.Step step : BatchPlan.of(List.of(e))) {
                    execute(c, step, Integer.MAX_VALUE);
                }
            }
        } catch (SQLException e) {
            connection.rollbackQuietly();
            if (connection.isTransient(e)) {
                return connection.retriable("applying " + events.size() + " events", e);
            }
            if (index < events.size()) {
                return new RejectedChangeException(index, describe(index, events.get(index)) + ": "
                        + e.getMessage(), e);
            }
        } finally {
            rollback();
        }
        return new FerryException("PostgreSQL target " + connection.target() + " refused a batch of "
                + events.size() + " events, though each event alone applies: " + batchFailure.getMessage(),
                batchFailure, false);
    }

    private String describe(int index, ChangeEvent e) {
        StringBuilder sb = new StringBuilder("target ").append(connection.target()).append(" refused event #")
                .append(index).append(" (op ").append(e.op().code()).append(") on table ").append(schema)
                .append('.').append(e.table().table());
        if (e.op() != Operation.TRUNCATE) {
            sb.append(", key ").append(KeyText.of(e.schema(), e.keyImage()));
        }
        return sb.toString();
    }

    /** The connection, with the offsets table created once per sink and per-connection state reset. */
    private Connection ready() {
        Connection c = connection.get();
        if (c != prepared) {
            large.reset();
            small.reset();
            try {
                offsets.create(c, schema);
                c.commit();
            } catch (SQLException e) {
                connection.rollbackQuietly();
                if (connection.isTransient(e)) {
                    throw connection.retriable("creating " + schema + ".ferry_offsets", e);
                }
                throw new FerryException("cannot create " + schema + ".ferry_offsets on " + connection.target()
                        + ": " + e.getMessage(), e, false);
            }
            prepared = c;
        }
        return c;
    }

    @Override
    public void close() {
        connection.close();
        prepared = null;
    }
}
