package io.ferry.kafka;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * An {@link EmbeddedKafka} of 1 or 3 brokers in a temporary directory, for tests in this module and in the
 * integration tests (shipped in the test-jar). {@link #drainCommitted} reads what a read_committed consumer
 * sees right now. Share one per test class: starting takes a few seconds.
 */
public final class KafkaTestCluster implements AutoCloseable {

    private final Path dir;
    private final EmbeddedKafka kafka;

    private KafkaTestCluster(Path dir, EmbeddedKafka kafka) {
        this.dir = dir;
        this.kafka = kafka;
    }

    /** Starts a cluster of {@code brokers} nodes in a fresh temporary directory. */
    public static KafkaTestCluster start(int brokers) {
        return start(brokers, Map.of());
    }

    /** Starts a cluster of {@code brokers} nodes with broker property overrides. */
    public static KafkaTestCluster start(int brokers, Map<String, String> overrides) {
        try {
            Path dir = Files.createTempDirectory("ferry-kafka-test");
            return new KafkaTestCluster(dir, EmbeddedKafka.startCluster(dir, brokers, overrides));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public EmbeddedKafka kafka() {
        return kafka;
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** A consumer with {@code isolation.level=read_committed}, no group, byte[] keys and values. */
    public KafkaConsumer<byte[], byte[]> committedConsumer() {
        return committedConsumer(bootstrapServers());
    }

    /** A read_committed consumer of any cluster. */
    public static KafkaConsumer<byte[], byte[]> committedConsumer(String bootstrapServers) {
        Map<String, Object> conf = new HashMap<>();
        conf.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        conf.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        conf.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        conf.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        conf.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return new KafkaConsumer<>(conf);
    }

    /**
     * Every committed record of {@code topics} from the beginning up to the last stable offset of each
     * partition at the time of the call (so never a record of a transaction still open), in partition order then offset order. Topics that do not exist are
     * read as empty.
     */
    public List<ConsumerRecord<byte[], byte[]>> drainCommitted(Collection<String> topics) {
        return drainCommitted(bootstrapServers(), topics);
    }

    /** {@link #drainCommitted(Collection)} on any cluster. */
    public static List<ConsumerRecord<byte[], byte[]>> drainCommitted(String bootstrapServers, Collection<String> topics) {
        try (KafkaConsumer<byte[], byte[]> consumer = committedConsumer(bootstrapServers)) {
            List<TopicPartition> parts = new ArrayList<>();
            Map<String, List<PartitionInfo>> all = consumer.listTopics(Duration.ofSeconds(30));
            for (String t : topics) {
                for (PartitionInfo p : all.getOrDefault(t, List.of())) {
                    parts.add(new TopicPartition(t, p.partition()));
                }
            }
            parts.sort(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts, Duration.ofSeconds(30));
            Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> byPartition = new HashMap<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!reached(consumer, parts, end)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topics + " up to " + end);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    byPartition.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), k -> new ArrayList<>()).add(r);
                }
            }
            List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
            for (TopicPartition tp : parts) {
                for (ConsumerRecord<byte[], byte[]> r : byPartition.getOrDefault(tp, List.of())) {
                    if (r.offset() < end.get(tp)) {
                        out.add(r);
                    }
                }
            }
            return out;
        }
    }

    /**
     * {@link #drainCommitted(Collection)} repeated until it returns at least {@code count} records (a commit's
     * markers reach the partitions shortly after {@code commitTransaction} returns); fails after 30 s.
     */
    public List<ConsumerRecord<byte[], byte[]>> awaitCommitted(Collection<String> topics, int count) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            List<ConsumerRecord<byte[], byte[]>> records = drainCommitted(topics);
            if (records.size() >= count) {
                return records;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + count + " committed records in " + topics + " but found "
                        + records.size());
            }
        }
    }

    private static boolean reached(KafkaConsumer<byte[], byte[]> c, List<TopicPartition> parts, Map<TopicPartition, Long> end) {
        for (TopicPartition tp : parts) {
            if (c.position(tp) < end.get(tp)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        kafka.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
