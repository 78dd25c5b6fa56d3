package io.ferry.kafka;

import io.ferry.core.FerryException;
import io.ferry.core.TableSchema;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The table schemas a pipeline published, by data topic and version, read from the schemas topic. A schema
 * is committed in the same Kafka transaction as (or before) the first event that uses it, so an event that
 * is visible to a read_committed consumer always finds its schema here after a catch-up read.
 */
final class SchemaStore implements AutoCloseable {

    private static final Duration CATCH_UP = Duration.ofSeconds(30);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final TopicPartition partition;
    private final Map<String, Map<Integer, TableSchema>> byTopic = new ConcurrentHashMap<>();

    SchemaStore(String bootstrapServers, Map<String, String> clientProperties, String schemasTopic) {
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        partition = new TopicPartition(schemasTopic, 0);
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
    }

    /** The schema {@code version} of the table whose events go to {@code topic}. */
    TableSchema schema(String topic, int version) {
        TableSchema s = find(topic, version);
        long deadline = System.nanoTime() + CATCH_UP.toNanos();
        while (s == null) {
            if (System.nanoTime() > deadline) {
                throw new FerryException("schema version " + version + " of topic " + topic
                        + " is not in " + partition.topic() + " after " + CATCH_UP.toSeconds() + " s");
            }
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                if (r.value() != null) {
                    SchemaCodec.Published p = SchemaCodec.read(r.value());
                    if (p.sourceShape()) {
                        continue;
                    }
                    byTopic.computeIfAbsent(p.topic(), t -> new ConcurrentHashMap<>()).put(p.schema().version(), p.schema());
                }
            }
            s = find(topic, version);
        }
        return s;
    }

    /**
     * The schema {@code version} of the topic's table when it was already read, else null; never reads. Safe
     * from any thread: versions are read in order, so every version before one that was read is here too.
     */
    TableSchema find(String topic, int version) {
        Map<Integer, TableSchema> versions = byTopic.get(topic);
        return versions == null ? null : versions.get(version);
    }

    @Override
    public void close() {
        consumer.close();
    }
}
