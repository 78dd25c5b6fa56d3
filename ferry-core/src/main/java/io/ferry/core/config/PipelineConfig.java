package io.ferry.core.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A validated pipeline file. The pipeline name derives every durable name Ferry owns, so two pipelines
 * never share a replication slot, a transactional id or a consumer group.
 *
 * @param maxRetainedWalBytes {@code source.max-retained-wal}: more log than this held back for the pipeline
 *                            (a slot's WAL, the binlog not yet read) is an alert condition
 * @param maxLag              {@code sink.max-lag}: the target further behind the source than this is an alert
 *                            condition
 * @param transforms     capture-side transforms (top-level {@code transforms:}): their output is what reaches Kafka
 * @param sinkTransforms apply-side transforms ({@code sink.transforms:}): applied between Kafka and the target
 */
public record PipelineConfig(String name, SourceConfig source, KafkaConfig kafka, SinkConfig sink, HttpConfig http,
                             long maxRetainedWalBytes, Duration maxLag, List<TransformConfig> transforms,
                             List<TransformConfig> sinkTransforms) {

    /** 1 GiB. */
    public static final long DEFAULT_MAX_RETAINED_WAL = 1L << 30;

    /** 5 minutes. */
    public static final Duration DEFAULT_MAX_LAG = Duration.ofMinutes(5);

    public PipelineConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(kafka, "kafka");
        Objects.requireNonNull(sink, "sink");
        Objects.requireNonNull(http, "http");
        Objects.requireNonNull(maxLag, "maxLag");
        transforms = List.copyOf(transforms);
        sinkTransforms = List.copyOf(sinkTransforms);
    }

    /** A pipeline without transforms, with the default HTTP API and alert thresholds. */
    public PipelineConfig(String name, SourceConfig source, KafkaConfig kafka, SinkConfig sink) {
        this(name, source, kafka, sink, HttpConfig.defaults(), DEFAULT_MAX_RETAINED_WAL, DEFAULT_MAX_LAG, List.of(),
                List.of());
    }

    /** The same pipeline with another HTTP configuration. */
    public PipelineConfig withHttp(HttpConfig newHttp) {
        return new PipelineConfig(name, source, kafka, sink, newHttp, maxRetainedWalBytes, maxLag, transforms,
                sinkTransforms);
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

    /**
     * The Kafka consumer group whose one member holding the offsets topic's partition captures, when several
     * processes run {@code --role capture}.
     */
    public String captureGroup() {
        return "ferry-" + name + "-capture";
    }

    /** The Kafka consumer group of the apply side. */
    public String consumerGroup() {
        return "ferry-" + name + "-sink";
    }
}
