package io.ferry.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A read_committed consumer on a background thread counting what is visible on some topics, so a failure
 * test can wait for progress instead of sleeping. {@link #drain} reads everything from the beginning once.
 */
final class TopicWatcher implements AutoCloseable {

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private final AtomicLong count = new AtomicLong();
    private final Set<String> distinctValues = new HashSet<>();
    private volatile boolean closed;

    private TopicWatcher(String bootstrap, Collection<String> topics) {
        consumer = consumer(bootstrap);
        consumer.subscribe(topics);
        thread = new Thread(this::loop, "topic-watcher");
        thread.setDaemon(true);
    }

    static TopicWatcher start(String bootstrap, Collection<String> topics) {
        TopicWatcher w = new TopicWatcher(bootstrap, topics);
        w.thread.start();
        return w;
    }

    /** Records visible so far (duplicates included). */
    long count() {
        return count.get();
    }

    /** Whether at least {@code n} distinct record values are visible. */
    boolean distinctAtLeast(long n) {
        synchronized (distinctValues) {
            return distinctValues.size() >= n;
        }
    }

    private void loop() {
        while (!closed) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                count.incrementAndGet();
                if (r.value() != null) {
                    String v = new String(r.value(), java.nio.charset.StandardCharsets.UTF_8);
                    // The envelope's ts_ms differs between duplicates; the row image does not.
                    int source = v.indexOf(",\"source\"");
                    synchronized (distinctValues) {
                        distinctValues.add(source > 0 ? v.substring(0, source) : v);
                    }
                }
            }
        }
        consumer.close();
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        thread.join(10_000);
    }

    /** Every committed record of the topics, from the beginning to the current end. */
    static List<ConsumerRecord<byte[], byte[]>> drain(String bootstrap, Collection<String> topics) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = consumer(bootstrap)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String t : topics) {
                c.partitionsFor(t).forEach(p -> partitions.add(new TopicPartition(t, p.partition())));
            }
            c.assign(partitions);
            c.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = c.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> c.position(p) < end.get(p))) {
                c.poll(Duration.ofMillis(500)).forEach(out::add);
            }
        }
        return out;
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "watcher-" + System.nanoTime());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        p.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "1000");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
