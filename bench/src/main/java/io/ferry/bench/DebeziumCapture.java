package io.ferry.bench;

import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The peer Ferry's capture is measured against: Debezium's embedded engine (PostgreSQL connector, pgoutput)
 * with every change sent to Kafka, as Debezium Server's Kafka sink does it: JSON without schemas, an idempotent
 * {@code acks=all} producer with Ferry's batching settings, and the engine's offsets marked processed only
 * after the producer flushed the batch. Debezium's own defaults otherwise (batch and queue sizes), as a user
 * gets them.
 */
final class DebeziumCapture implements AutoCloseable {

    private final KafkaProducer<String, String> producer;
    private final DebeziumEngine<ChangeEvent<String, String>> engine;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> new Thread(r, "debezium-engine"));
    private final AtomicLong sent = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    /**
     * An engine named {@code name}: its slot and publication ({@code <name>_bench}), topic prefix and offsets file
     * (under {@code stateDir}) are its own, so a second engine snapshots the table again from scratch. Its producer
     * compresses as {@code compression} says, as Ferry's does in the same run.
     */
    DebeziumCapture(int pgPort, String bootstrapServers, Path stateDir, String name, String compression)
            throws IOException {
        String topic = name + ".public.bench_rows";
        java.nio.file.Files.createDirectories(stateDir);
        Properties producerProps = new Properties();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        producerProps.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        producerProps.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        producerProps.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(64L * 1024 * 1024));
        producerProps.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        // Ferry's brokers do not create topics on first use; Debezium's one table topic is made here, as Ferry's are.
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            if (!admin.listTopics().names().get().contains(topic)) {
                admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
            }
        } catch (InterruptedException | ExecutionException e) {
            throw new IOException("cannot create " + topic, e);
        }
        producer = new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer());

        Properties p = new Properties();
        p.setProperty("name", "bench-debezium-" + name);
        p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        p.setProperty("offset.storage", "org.apache.kafka.connect.storage.FileOffsetBackingStore");
        p.setProperty("offset.storage.file.filename", stateDir.resolve("offsets.dat").toString());
        p.setProperty("offset.flush.interval.ms", "1000");
        p.setProperty("database.hostname", "127.0.0.1");
        p.setProperty("database.port", Integer.toString(pgPort));
        p.setProperty("database.user", "postgres");
        p.setProperty("database.password", "");
        p.setProperty("database.dbname", "bench");
        p.setProperty("topic.prefix", name);
        p.setProperty("plugin.name", "pgoutput");
        p.setProperty("slot.name", name + "_bench");
        p.setProperty("publication.name", name + "_bench");
        p.setProperty("publication.autocreate.mode", "filtered");
        p.setProperty("table.include.list", "public.bench_rows");
        p.setProperty("snapshot.mode", "initial");
        p.setProperty("decimal.handling.mode", "string");
        p.setProperty("key.converter.schemas.enable", "false");
        p.setProperty("value.converter.schemas.enable", "false");
        engine = DebeziumEngine.create(Json.class)
                .using(p)
                .notifying(this::publish)
                .using((success, message, error) -> {
                    if (!success && error != null) {
                        failure.compareAndSet(null, error);
                    }
                })
                .build();
    }

    void start() {
        thread.execute(() -> {
            try {
                engine.run();
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        });
    }

    /** Change records (tombstones excluded) acknowledged by every in-sync replica. */
    long sent() {
        Throwable t = failure.get();
        if (t != null) {
            throw new IllegalStateException("Debezium failed: " + t, t);
        }
        return sent.get();
    }

    private void publish(List<ChangeEvent<String, String>> records,
                         DebeziumEngine.RecordCommitter<ChangeEvent<String, String>> committer)
            throws InterruptedException {
        long changes = 0;
        for (ChangeEvent<String, String> r : records) {
            producer.send(new ProducerRecord<>(r.destination(), r.key(), r.value()));
            if (r.value() != null) {
                changes++;
            }
        }
        producer.flush();
        for (ChangeEvent<String, String> r : records) {
            committer.markProcessed(r);
        }
        committer.markBatchFinished();
        sent.addAndGet(changes);
    }

    @Override
    public void close() throws IOException {
        engine.close();
        thread.shutdown();
        try {
            thread.awaitTermination(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close();
    }
}
