package io.ferry.kafka;

import io.ferry.core.FerryException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code <prefix>.ferry-dlq}: records the target refused, with the reason and their origin in headers. The
 * topic and its producer are created on the first refusal. Thread-safe.
 */
final class DeadLetterTopic implements AutoCloseable {

    private final String bootstrapServers;
    private final Map<String, String> clientProperties;
    private final String topic;
    private final AtomicLong sent = new AtomicLong();
    private KafkaProducer<byte[], byte[]> producer;

    DeadLetterTopic(String bootstrapServers, Map<String, String> clientProperties, String prefix) {
        this.bootstrapServers = bootstrapServers;
        this.clientProperties = clientProperties;
        this.topic = TopicNames.deadLetters(prefix);
    }

    String topic() {
        return topic;
    }

    /** Writes the record and waits until it is durable, so the batch that skips it can commit. */
    synchronized void send(ConsumerRecord<byte[], ByteBuffer> r, String reason) {
        if (producer == null) {
            try (TopicAdmin admin = new TopicAdmin(bootstrapServers, clientProperties)) {
                admin.ensureTopic(topic, 1, false);
            }
            Properties p = new Properties();
            p.putAll(clientProperties);
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        }
        ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(topic, r.key(), bytes(r.value()));
        out.headers().add("ferry.error.reason", reason.getBytes(StandardCharsets.UTF_8));
        out.headers().add("ferry.source.topic", r.topic().getBytes(StandardCharsets.UTF_8));
        out.headers().add("ferry.source.partition", Integer.toString(r.partition()).getBytes(StandardCharsets.UTF_8));
        out.headers().add("ferry.source.offset", Long.toString(r.offset()).getBytes(StandardCharsets.UTF_8));
        try {
            producer.send(out).get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw FerryException.retriable("cannot write to the dead-letter topic " + topic, e);
        }
        sent.incrementAndGet();
    }

    /** The value's bytes, its buffer's position left alone; null for a tombstone. */
    private static byte[] bytes(ByteBuffer value) {
        if (value == null) {
            return null;
        }
        byte[] out = new byte[value.remaining()];
        value.duplicate().get(out);
        return out;
    }

    long sent() {
        return sent.get();
    }

    @Override
    public synchronized void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }
}
