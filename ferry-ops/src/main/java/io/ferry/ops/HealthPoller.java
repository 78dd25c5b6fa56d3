package io.ferry.ops;

import io.ferry.core.config.PipelineConfig;
import io.ferry.core.connector.Connectors;
import io.ferry.core.connector.SourceTables;
import io.ferry.kafka.SourcePositions;
import io.ferry.kafka.TopicAdmin;
import io.ferry.kafka.TopicAdmin.PartitionHealth;
import io.ferry.kafka.TopicNames;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the facts that live outside the process: the replication health of the pipeline's topics (Kafka Admin)
 * and the log the source holds back for it (through the connector). Each read is one round trip set, made by
 * the caller's thread; failures become the answer's error text, never an exception, because an unreachable
 * part is itself what an operator needs to see.
 */
final class HealthPoller implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HealthPoller.class);

    /** The pipeline's topics' partitions, and what went wrong reading them (null when nothing did). */
    record KafkaHealth(List<PartitionHealth> partitions, String error, long atMillis) {
    }

    /** Bytes of source log held back for the pipeline (null when unknown), and what went wrong reading it. */
    record SourceHealth(Long retainedLogBytes, String error, long atMillis) {
    }

    private final PipelineConfig config;
    private final Supplier<String> bootstrapServers;
    private final Duration timeout;
    private final Object kafkaLock = new Object();
    private final Object sourceLock = new Object();
    private TopicAdmin admin;
    private SourceTables source;

    /** {@code timeout} bounds each Kafka request: short for a poller that asks again soon, longer for one look. */
    HealthPoller(PipelineConfig config, Supplier<String> bootstrapServers, Duration timeout) {
        this.config = config;
        this.bootstrapServers = bootstrapServers;
        this.timeout = timeout;
    }

    /** The health of every topic of the pipeline (table topics and Ferry's own), lag as the sink's group sees it. */
    KafkaHealth kafka() {
        synchronized (kafkaLock) {
            return readKafka();
        }
    }

    private KafkaHealth readKafka() {
        String servers = bootstrapServers.get();
        if (servers == null) {
            return new KafkaHealth(List.of(), "Kafka is not started yet", System.currentTimeMillis());
        }
        try {
            if (admin == null) {
                admin = new TopicAdmin(servers, config.kafka().properties());
            }
            List<String> topics = admin.topicsStartingWith(config.kafka().topicPrefix() + ".", timeout);
            String group = config.sink().isNone() ? null : config.consumerGroup();
            return new KafkaHealth(admin.health(topics, group, timeout), null, System.currentTimeMillis());
        } catch (RuntimeException e) {
            return new KafkaHealth(List.of(), "cannot read the replication health from Kafka at " + servers + ": "
                    + e.getMessage(), System.currentTimeMillis());
        }
    }

    /** The source log retained for the pipeline, read through its connector. */
    SourceHealth source() {
        synchronized (sourceLock) {
            return readSource();
        }
    }

    private SourceHealth readSource() {
        try {
            if (source == null) {
                source = Connectors.installed().get(config.source().type()).sourceTables(config);
            }
            Map<String, Object> committed = committedPosition();
            OptionalLong bytes = source.retainedLogBytes(committed);
            return new SourceHealth(bytes.isPresent() ? bytes.getAsLong() : null, null, System.currentTimeMillis());
        } catch (RuntimeException e) {
            closeSource();
            return new SourceHealth(null, "cannot read the retained log from the source: " + e.getMessage(),
                    System.currentTimeMillis());
        }
    }

    /** The pipeline's newest position in the offsets topic; empty when Kafka cannot say. */
    Map<String, Object> committedPosition() {
        String servers = bootstrapServers.get();
        if (servers == null) {
            return Map.of();
        }
        try {
            return new SourcePositions(servers, config.kafka().properties(),
                    TopicNames.offsets(config.kafka().topicPrefix())).read(config.name());
        } catch (RuntimeException e) {
            log.debug("cannot read the committed position: {}", e.getMessage());
            return Map.of();
        }
    }

    /** Whether {@code topic} holds table changes (not Ferry's offsets, schemas or dead letters). */
    boolean isTableTopic(String topic) {
        String prefix = config.kafka().topicPrefix();
        return !topic.equals(TopicNames.offsets(prefix)) && !topic.equals(TopicNames.schemas(prefix))
                && !topic.equals(TopicNames.deadLetters(prefix));
    }

    private void closeSource() {
        if (source != null) {
            try {
                source.close();
            } catch (RuntimeException ignored) {
                // Reopened on the next read.
            }
            source = null;
        }
    }

    @Override
    public void close() {
        synchronized (sourceLock) {
            closeSource();
        }
        synchronized (kafkaLock) {
            if (admin != null) {
                admin.close();
                admin = null;
            }
        }
    }
}
