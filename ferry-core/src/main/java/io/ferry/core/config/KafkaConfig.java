package io.ferry.core.config;

import java.util.Map;

/**
 * The Kafka cluster the pipeline runs through.
 *
 * @param bootstrapServers {@code null} to run an embedded single broker with data under {@code dataDir}
 * @param properties       passed to every Kafka client Ferry creates (security.protocol, sasl.*, ssl.*)
 */
public record KafkaConfig(String bootstrapServers, String topicPrefix, Map<String, String> properties,
                          String dataDir) {

    public KafkaConfig {
        properties = Map.copyOf(properties);
    }

    public boolean embedded() {
        return bootstrapServers == null;
    }
}
