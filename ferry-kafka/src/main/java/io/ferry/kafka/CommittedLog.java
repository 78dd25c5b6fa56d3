package io.ferry.kafka;

import io.ferry.core.FerryException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Reads every committed record of a small topic from its beginning up to the high watermark seen at the start
 * of the read, with a read_committed consumer that joins no group. Used at open for the offsets and schemas
 * topics. Reading to the high watermark, not to the current last stable offset, matters: a commit's markers
 * are written after {@code commitTransaction} returns, and another pipeline's open transaction can hold the last
 * stable offset below our own newest committed record; the read waits until those are decided.
 */
final class CommittedLog {

    private CommittedLog() {
    }

    /** Hands every committed record (key, value) of {@code topic} to {@code sink}, partition by partition. */
    static void read(String bootstrapServers, Map<String, String> clientProperties, String topic, Duration timeout,
                     BiConsumer<byte[], byte[]> sink) {
        Map<String, Object> conf = new HashMap<>(clientProperties);
        conf.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        conf.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        conf.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        conf.remove(ConsumerConfig.GROUP_ID_CONFIG);
        conf.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "ferry-reader-" + topic);
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(conf, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor(topic, timeout)) {
                parts.add(new TopicPartition(topic, p.partition()));
            }
            if (parts.isEmpty()) {
                return;
            }
            Map<TopicPartition, Long> end = highWatermarks(conf, parts, timeout);
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            List<TopicPartition> open = new ArrayList<>(parts);
            while (true) {
                open.removeIf(tp -> consumer.position(tp, timeout) >= end.get(tp));
                if (open.isEmpty()) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw FerryException.retriable("cannot read topic " + topic + " up to " + end + " from "
                            + bootstrapServers + " within " + timeout + ": a transaction on it stays open", null);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                        sink.accept(r.key(), r.value());
                    }
                }
            }
        } catch (KafkaException e) {
            throw FerryException.retriable("cannot read topic " + topic + " from the Kafka cluster at "
                    + bootstrapServers + ": " + e.getMessage(), e);
        }
    }

    private static Map<TopicPartition, Long> highWatermarks(Map<String, Object> conf, List<TopicPartition> parts,
                                                            Duration timeout) {
        Map<String, Object> uncommitted = new HashMap<>(conf);
        uncommitted.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        try (KafkaConsumer<byte[], byte[]> c =
                     new KafkaConsumer<>(uncommitted, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            return c.endOffsets(parts, timeout);
        }
    }
}
