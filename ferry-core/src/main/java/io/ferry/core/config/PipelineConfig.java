package io.ferry.core.config;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A validated pipeline file. The pipeline name derives every durable name Ferry owns, so two pipelines
 * never share a replication slot, a transactional id or a consumer group.
 *
 * @param transforms     capture-side transforms (top-level {@code transforms:}): their output is what reaches Kafka
 * @param sinkTransforms apply-side transforms ({@code sink.transforms:}): applied between Kafka and the target
 */
public record PipelineConfig(String name, SourceConfig source, KafkaConfig kafka, SinkConfig sink,
                             List<TransformConfig> transforms, List<TransformConfig> sinkTransforms) {

    public PipelineConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(kafka, "kafka");
        Objects.requireNonNull(sink, "sink");
        transforms = List.copyOf(transforms);
        sinkTransforms = List.copyOf(sinkTransforms);
    }

    /** A pipeline without transforms. */
    public PipelineConfig(String name, SourceConfig source, KafkaConfig kafka, SinkConfig sink) {
        this(name, source, kafka, sink, List.of(), List.of());
    }

    /** PostgreSQL replication slot and publication name: {@code ferry_<name>} in lower case. */
    public String slotName() {
        return "ferry_" + name.toLowerCase(Locale.ROOT).replace('-', '_');
    }

    /**
     * The replica server id a MySQL/MariaDB source reads the binlog with; stable per pipeline name, and
     * away from the small ids servers are usually given.
     */
    public long mysqlServerId() {
        return 100_000L + Integer.toUnsignedLong(name.hashCode()) % 4_000_000_000L;
    }

    /** The Kafka transactional.id of the capture side. */
    public String transactionalId() {
        return "ferry-" + name;
    }

    /** The Kafka consumer group of the apply side. */
    public String consumerGroup() {
        return "ferry-" + name + "-sink";
    }
}
