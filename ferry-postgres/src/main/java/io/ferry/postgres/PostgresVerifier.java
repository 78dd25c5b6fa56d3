package io.ferry.postgres;

import io.ferry.core.TableSelector;
import io.ferry.core.FerryException;
import io.ferry.core.TableSchema;
import io.ferry.core.config.SinkConfig;
import io.ferry.core.config.SourceConfig;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

/**
 * The PostgreSQL side of {@code ferry verify}: which tables a pipeline captures, whether its slot has caught
 * up with the source, and a {@link TableComparison} of each table with its copy in a PostgreSQL target.
 * Both connections use the same session settings, so the rows' text forms are comparable. Without a target
 * (the sink is another database) it only lists tables and waits for the slot; rows are then compared through
 * {@link PostgresRows} and {@link io.ferry.core.verify.TableDiff}.
 */
public final class PostgresVerifier implements AutoCloseable {

    private final SourceConfig sourceConfig;
    private final String slotName;
    private final String targetSchema;
    private final Connection source;
    private final Connection target;

    public PostgresVerifier(SourceConfig sourceConfig, String slotName, SinkConfig targetConfig) {
        this.sourceConfig = sourceConfig;
        this.slotName = slotName;
        this.targetSchema = targetConfig == null ? null : targetConfig.schema();
        this.source = new PgConnections(sourceConfig).regular();
        try {
            this.target = targetConfig == null ? null : new PgConnections(targetConfig.host(), targetConfig.port(),
                    targetConfig.database(), targetConfig.user(), targetConfig.password()).regular();
        } catch (RuntimeException e) {
            PgConnections.closeQuietly(source);
            throw e;
        }
    }

    /** For a source whose target is not PostgreSQL: {@link #tables} and {@link #awaitCaptured} only. */
    public PostgresVerifier(SourceConfig sourceConfig, String slotName) {
        this(sourceConfig, slotName, null);
    }

    /** The captured tables with their current schemas. */
    public List<TableSchema> tables() {
        try (PostgresSource s = new PostgresSource(sourceConfig, slotName)) {
            return s.describeTables();
        }
    }

    /**
     * Waits until the replication slot has acknowledged the source's current WAL position, that is until
     * every change committed before this call is durably in Kafka. False when the timeout passed first.
     */
    public boolean awaitCaptured(Duration timeout) throws InterruptedException {
        long goal = lsn("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            long acknowledged = lsn("SELECT confirmed_flush_lsn - '0/0'::pg_lsn FROM pg_replication_slots"
                    + " WHERE slot_name = '" + slotName + "'");
            if (acknowledged >= goal) {
                return true;
            }
            Thread.sleep(200);
        }
        return false;
    }

    /** Compares one captured table with the table of the same name in the target schema. */
    public TableComparison.Result compare(TableSchema table, int chunkRows, int maxDifferences) {
        if (target == null) {
            throw new IllegalStateException("this verifier has no PostgreSQL target");
        }
        TableComparison comparison = new TableComparison(table, TableSelector.quote(table.table()),
                TableSelector.quote(targetSchema) + "." + TableSelector.quote(table.table().table()),
                chunkRows, maxDifferences);
        try {
            return comparison.compare(source, target);
        } catch (SQLException e) {
            throw new FerryException("cannot compare " + table.table() + ": " + PgConnections.firstLine(e), e, false);
        }
    }

    private long lsn(String sql) {
        try (PreparedStatement ps = source.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getLong(1) : -1;
        } catch (SQLException e) {
            throw FerryException.retriable("cannot read the WAL position of the source: " + PgConnections.firstLine(e), e);
        }
    }

    @Override
    public void close() {
        PgConnections.closeQuietly(source);
        PgConnections.closeQuietly(target);
    }
}
