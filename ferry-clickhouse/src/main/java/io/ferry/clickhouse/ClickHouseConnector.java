package io.ferry.clickhouse;

import io.ferry.core.Sink;
import io.ferry.core.config.SinkConfig;
import io.ferry.core.connector.Connector;
import io.ferry.core.connector.TargetTables;

/**
 * ClickHouse as a target: {@code ReplacingMergeTree} tables versioned by Kafka offset, written in batched TSV
 * inserts over HTTP; {@code ferry verify} reads their {@code FINAL}, non-deleted state. Not a source.
 */
public final class ClickHouseConnector implements Connector {

    @Override
    public String type() {
        return "clickhouse";
    }

    /** The HTTP interface's port. */
    @Override
    public int defaultPort() {
        return 8123;
    }

    @Override
    public boolean appliesChanges() {
        return true;
    }

    @Override
    public Sink sink(SinkConfig config) {
        return new ClickHouseSink(config);
    }

    @Override
    public TargetTables targetTables(SinkConfig config) {
        return new ClickHouseRows(config);
    }
}
