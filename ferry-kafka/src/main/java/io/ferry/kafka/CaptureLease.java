package io.ferry.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which of several capture processes of a pipeline reads the source: the one Kafka's group coordinator assigns the
 * single partition of the pipeline's offsets topic, in a consumer group of their own. The others stand by; when the
 * holder dies its session times out and one of them gets the partition. A holder that only seemed dead (a long
 * pause) is fenced by the transactional id as soon as the new one opens its publisher.
 *
 * <p>Polls on its own thread; {@link #awaitHeld()} and {@link #held()} may be called from any thread.
 */
public final class CaptureLease implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CaptureLease.class);

    private final String bootstrapServers;
    private final Map<String, String> clientProperties;
    private final String groupId;
    private final String topic;
    private final Thread poller;
    private final Object lock = new Object();
    private volatile boolean held;
    private volatile boolean closed;
    private volatile Runnable onLost = () -> { };
    private volatile KafkaConsumer<byte[], byte[]> consumer;

    /** Starts asking for the lease at once: {@code offsetsTopic} is created (compacted, one partition) if absent. */
    public CaptureLease(String bootstrapServers, Map<String, String> clientProperties, String groupId,
                        String offsetsTopic) {
        this.bootstrapServers = bootstrapServers;
        this.clientProperties = Map.copyOf(clientProperties);
        this.groupId = groupId;
        this.topic = offsetsTopic;
        this.poller = new Thread(this::poll, "ferry-capture-lease");
        poller.setDaemon(true);
        poller.start();
    }

    /** Told when the lease moves to another process; the capture must stop reading the source. */
    public void onLost(Runnable r) {
        onLost = r;
    }

    /** Whether this process holds the lease now. */
    public boolean held() {
        return held;
    }

    /** Waits up to {@code max} for this process to hold the lease; whether it does. */
    public boolean awaitHeld(Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        synchronized (lock) {
            while (!held && !closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                lock.wait(Math.max(1, left / 1_000_000));
            }
            return held && !closed;
        }
    }

    @Override
    public void close() {
        closed = true;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        synchronized (lock) {
            lock.notifyAll();
        }
        try {
            poller.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void poll() {
        while (!closed) {
            try (TopicAdmin admin = new TopicAdmin(bootstrapServers, clientProperties)) {
                admin.ensureTopic(topic, 1, true);
            } catch (RuntimeException e) {
                log.warn("cannot create {} for the capture lease yet, retrying: {}", topic, e.getMessage());
                sleepQuietly();
                continue;
            }
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(properties(), new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                consumer = c;
                c.subscribe(List.of(topic), new Listener(c));
                while (!closed) {
                    // Only to stay in the group: the partition is paused, no record is fetched.
                    c.poll(Duration.ofMillis(500));
                }
            } catch (WakeupException e) {
                // closed
            } catch (RuntimeException e) {
                lost("the lease's consumer failed: " + e.getMessage());
                log.warn("capture lease consumer failed, joining again: {}", e.getMessage());
                sleepQuietly();
            } finally {
                consumer = null;
            }
        }
        lost("closed");
    }

    private void lost(String why) {
        if (held) {
            held = false;
            log.warn("this process no longer owns the capture of the pipeline ({})", why);
            onLost.run();
        }
    }

    private Properties properties() {
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        // Sticky and cooperative: a process joining to stand by must not take the lease from the one reading.
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                org.apache.kafka.clients.consumer.CooperativeStickyAssignor.class.getName());
        return p;
    }

    private void sleepQuietly() {
        try {
            Thread.sleep(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    private final class Listener implements ConsumerRebalanceListener {
        private final KafkaConsumer<byte[], byte[]> c;

        Listener(KafkaConsumer<byte[], byte[]> c) {
            this.c = c;
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) {
                lost("moved to another capture process");
            }
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            c.pause(partitions);
            synchronized (lock) {
                held = true;
                lock.notifyAll();
            }
            log.info("this process owns the capture of the pipeline (group {})", groupId);
        }
    }
}
