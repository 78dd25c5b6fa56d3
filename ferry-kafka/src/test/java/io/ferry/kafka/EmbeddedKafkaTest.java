package io.ferry.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class EmbeddedKafkaTest {

    @Test
    void aSecondStartOnTheSameDirectoryKeepsTheData(@TempDir Path dir) throws Exception {
        String firstBootstrap;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir)) {
            firstBootstrap = kafka.bootstrapServers();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("kept", 1, (short) 1))).all().get();
            }
            try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                p.send(new ProducerRecord<>("kept", "hello".getBytes(StandardCharsets.UTF_8))).get();
            }
        }
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir)) {
            assertThat(kafka.bootstrapServers()).isEqualTo(firstBootstrap);
            assertThat(KafkaTestCluster.drainCommitted(kafka.bootstrapServers(), List.of("kept")))
                    .extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                    .containsExactly("hello");
        }
    }
}
