package io.ferry.core.config;

import java.util.Map;

/**
 * The Kafka cluster the pipeline runs through.
 *
 * @param bootstrapServers {@code null} to run an embedded single broker with data under {@code dataDir}
 * @param properties       passed to every Kafka client Ferry creates (security.protocol, sasl.*, ssl.*)
 * @param partitions       partitions of the table topics Ferry creates ({@code kafka.partitions})
 */
public record KafkaConfig(String bootstrapServers, String topicPrefix, Map<String, String> properties,
                          String dataDir, TablePartitions partitions) {

    public KafkaConfig {
        properties = Map.copyOf(properties);
        java.util.Objects.requireNonNull(partitions, "partitions");
    }

    /** One partition per table topic. */
    public KafkaConfig(String bootstrapServers, String topicPrefix, Map<String, String> properties, String dataDir) {
        this(bootstrapServers, topicPrefix, properties, dataDir, TablePartitions.ONE);
    }

    public boolean embedded() {
        return bootstrapServers == null;
    }
}
