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
import java.util.List;

/**
 * The PostgreSQL side of {@code ferry verify}: which tables a pipeline captures, how far its slot has acknowledged
 * the WAL, and a {@link TableComparison} of each table with its copy in a PostgreSQL target.
 * Both connections use the same session settings, so the rows' text forms are comparable. Without a target
 * (the sink is another database) it only lists tables and waits for the slot; rows are then compared through
 * {@link PostgresRows} and {@link io.ferry.core.verify.TableDiff}.
 */
final class PostgresVerifier implements AutoCloseable {

    private final SourceConfig sourceConfig;
    private final String slotName;
    private final String targetSchema;
    private final Connection source;
    private final Connection target;

    PostgresVerifier(SourceConfig sourceConfig, String slotName, SinkConfig targetConfig) {
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

    /** For a source whose target is not PostgreSQL: tables and WAL positions only. */
    PostgresVerifier(SourceConfig sourceConfig, String slotName) {
        this(sourceConfig, slotName, null);
    }

    /** The captured tables with their current schemas. */
    List<TableSchema> tables() {
        try (PostgresSource s = new PostgresSource(sourceConfig, slotName)) {
            return s.describeTables();
        }
    }

    /** The source's WAL position now, as a byte offset. */
    long currentLsn() {
        return lsn("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn");
    }

    /** The WAL position the pipeline's replication slot has acknowledged: what is durably in Kafka. */
    long acknowledgedLsn() {
        return lsn("SELECT confirmed_flush_lsn - '0/0'::pg_lsn FROM pg_replication_slots WHERE slot_name = '"
                + slotName + "'");
    }

    /** Bytes of WAL the pipeline's slot keeps from being recycled now, or -1 when there is no slot. */
    long retainedWalBytes() {
        return lsn("SELECT (pg_current_wal_lsn() - restart_lsn)::bigint FROM pg_replication_slots WHERE slot_name = '"
                + slotName + "'");
    }

    /** Compares one captured table with the table of the same name in the target schema. */
    TableComparison.Result compare(TableSchema table, int chunkRows, int maxDifferences) {
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
