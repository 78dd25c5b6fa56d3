package io.ferry.iceberg;

import io.ferry.core.Sink;
import io.ferry.core.config.SinkConfig;
import io.ferry.core.config.SinkOption;
import io.ferry.core.connector.Connector;
import io.ferry.core.connector.TargetTables;
import java.util.List;

/**
 * Apache Iceberg as a target: format v2 tables in a Hadoop (file-system) catalog on {@code hdfs://} or
 * {@code file://} paths, or in a REST catalog; exactly once through the Kafka offsets each snapshot carries.
 * Not a source.
 */
public final class IcebergConnector implements Connector {

    @Override
    public String type() {
        return "iceberg";
    }

    @Override
    public int defaultPort() {
        return 0;
    }

    @Override
    public boolean appliesChanges() {
        return true;
    }

    @Override
    public boolean sinkNeedsLogin() {
        return false;
    }

    @Override
    public List<SinkOption> sinkOptions() {
        return IcebergSettings.OPTIONS;
    }

    @Override
    public Sink sink(SinkConfig config) {
        return new IcebergSink(config);
    }

    @Override
    public TargetTables targetTables(SinkConfig config) {
        return new IcebergTables(IcebergSettings.of(config));
    }
}
