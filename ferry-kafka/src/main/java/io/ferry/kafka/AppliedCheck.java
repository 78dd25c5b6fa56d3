package io.ferry.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Tells whether a target has applied everything committed to some topics: for each partition, no committed
 * record lies between the offset stored in the target and the partition's end. (Comparing the two numbers
 * alone would not do: transaction markers take offsets too, so an up-to-date target can sit below the end.)
 */
public final class AppliedCheck implements AutoCloseable {

    private final KafkaConsumer<byte[], byte[]> consumer;

    public AppliedCheck(String bootstrapServers, Map<String, String> clientProperties) {
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * Whether every committed record of {@code topics} (absent topics are skipped) is at or after the offsets
     * {@code stored} returns for the topic, per partition.
     */
    public boolean applied(Collection<String> topics, Function<String, Map<Integer, Long>> stored) {
        Map<String, List<PartitionInfo>> existing = consumer.listTopics(Duration.ofSeconds(30));
        List<TopicPartition> partitions = new ArrayList<>();
        Map<TopicPartition, Long> from = new HashMap<>();
        for (String topic : topics) {
            if (!existing.containsKey(topic)) {
                continue;
            }
            Map<Integer, Long> offsets = stored.apply(topic);
            for (PartitionInfo info : existing.get(topic)) {
                TopicPartition tp = new TopicPartition(topic, info.partition());
                partitions.add(tp);
                from.put(tp, offsets.getOrDefault(info.partition(), 0L));
            }
        }
        consumer.assign(partitions);
        from.forEach(consumer::seek);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
            if (!consumer.poll(Duration.ofMillis(200)).isEmpty()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
