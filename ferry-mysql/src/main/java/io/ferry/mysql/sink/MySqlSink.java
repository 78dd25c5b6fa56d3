package io.ferry.mysql.sink;

import io.ferry.core.apply.BatchPlan;
import io.ferry.core.ChangeEvent;
import io.ferry.core.FerryException;
import io.ferry.core.Operation;
import io.ferry.core.Sink;
import io.ferry.core.TableSchema;
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
 * Applies changes to a MySQL or MariaDB database: tables {@code `<sink.database>`.`<source table>`}, created
 * and widened from the published table schemas, and the Kafka offsets of every applied batch in
 * {@code `<sink.database>`.ferry_offsets}, written in the batch's InnoDB transaction with a check-and-set.
 * {@code sink.schema} is not used: in MySQL a schema is a database, and {@code sink.database} names it.
 *
 * <p>One connection, opened on first use and reopened after it is lost; a failed call leaves nothing
 * written. Not thread-safe: one instance per applier.
 */
public final class MySqlSink implements Sink {

    private final SinkConnection connection;
    private final TargetCatalog catalog;
    private final OffsetStore offsets;
    private final String database;
    private Connection prepared;

    public MySqlSink(SinkConfig config) {
        Objects.requireNonNull(config, "config");
        if (config.database() == null || config.user() == null) {
            throw new FerryException("sink.database and sink.user are required for a mysql sink");
        }
        this.database = config.database();
        this.connection = new SinkConnection(config);
        this.catalog = new TargetCatalog(database, config.createTables());
        this.offsets = new OffsetStore(database);
    }

    @Override
    public void ensureTable(TableSchema table, SchemaHistory history) {
        if (catalog.cached(table)) {
            return;
        }
        Connection c = ready();
        try {
            catalog.ensure(c, table, connection.collation());
            c.commit();
        } catch (SQLException e) {
            catalog.forget();
            connection.rollbackQuietly();
            if (connection.isTransient(e)) {
                throw connection.retriable("creating table " + catalog.display(table), e);
            }
            throw new FerryException("cannot create or alter target table " + catalog.display(table) + " on "
                    + connection.target() + ": " + e.getMessage(), e, false);
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
            throw new FerryException("cannot read " + database + ".ferry_offsets on " + connection.target() + ": "
                    + e.getMessage(), e, false);
        }
    }

    @Override
    public void apply(List<ChangeEvent> events, List<OffsetUpdate> updates) {
        if (events.isEmpty() && updates.isEmpty()) {
            return;
        }
        // DDL commits implicitly in MySQL: tables are made ready before the batch's transaction begins.
        ensureTables(events);
        List<BatchPlan.Step> plan = BatchPlan.of(events);
        Connection c = ready();
        try {
            OffsetsFirst.moveAll(c, updates, offsets::move, database + ".ferry_offsets", connection.target(),
                    connection::rollbackQuietly);
            for (BatchPlan.Step step : plan) {
                execute(c, step);
            }
            c.commit();
        } catch (SQLException e) {
            connection.rollbackQuietly();
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

    private void execute(Connection c, BatchPlan.Step step) throws SQLException {
        String table = catalog.qualified(step.schema());
        if (step instanceof BatchPlan.Truncate) {
            // Not TRUNCATE: MySQL commits the open transaction before a TRUNCATE, which would commit the rows
            // and offsets before it on their own. DELETE stays inside the transaction.
            try (Statement st = c.createStatement()) {
                st.executeUpdate("DELETE FROM " + table);
            }
            return;
        }
        BatchPlan.Rows rows = (BatchPlan.Rows) step;
        if (!rows.deletes().isEmpty()) {
            RowWriter.delete(c, table, rows.schema(), rows.deletes());
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
            RowWriter.upsert(c, table, rows.schema(), group.getKey().stream().toArray(), group.getValue());
        }
    }

    /**
     * Finds the event the target refuses by applying the batch again one event at a time in a transaction
     * that is then rolled back. MySQL checks constraints per statement, so the first event that fails is the
     * one: every event before it was applied without error.
     */
    private FerryException rejected(List<ChangeEvent> events, SQLException batchFailure) {
        Connection c = ready();
        int index = 0;
        try {
            for (; index < events.size(); index++) {
                for (BatchPlan.Step step : BatchPlan.of(List.of(events.get(index)))) {
                    execute(c, step);
                }
            }
        } catch (SQLException e) {
            connection.rollbackQuietly();
            if (connection.isTransient(e)) {
                return connection.retriable("applying " + events.size() + " events", e);
            }
            return new RejectedChangeException(index, describe(index, events.get(index)) + ": " + e.getMessage(), e);
        } finally {
            connection.rollbackQuietly();
        }
        return new FerryException("MySQL target " + connection.target() + " refused a batch of " + events.size()
                + " events, though each event alone applies: " + batchFailure.getMessage(), batchFailure, false);
    }

    private String describe(int index, ChangeEvent e) {
        StringBuilder sb = new StringBuilder("target ").append(connection.target()).append(" refused event #")
                .append(index).append(" (op ").append(e.op().code()).append(") on table ")
                .append(catalog.display(e.schema()));
        if (e.op() != Operation.TRUNCATE) {
            sb.append(", key ").append(KeyText.of(e.schema(), e.keyImage()));
        }
        return sb.toString();
    }

    /** The connection, with the offsets table created once per connection. */
    private Connection ready() {
        Connection c = connection.get();
        if (c != prepared) {
            try {
                offsets.create(c, connection.collation());
                c.commit();
            } catch (SQLException e) {
                connection.rollbackQuietly();
                if (connection.isTransient(e)) {
                    throw connection.retriable("creating " + database + ".ferry_offsets", e);
                }
                throw new FerryException("cannot create " + database + ".ferry_offsets on " + connection.target()
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
