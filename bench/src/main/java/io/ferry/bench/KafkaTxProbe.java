package io.ferry.bench;

import io.ferry.kafka.EmbeddedKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Diagnostic: the raw cost of one small Kafka transaction on the embedded broker Ferry uses (begin, send one
 * record, commit) and how long until a read_committed consumer sees it. A floor for Ferry's capture latency.
 * {@code bench/run kafka-tx [--changes N]} (N transactions, default 200).
 */
public final class KafkaTxProbe {

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        int n = (int) Math.min(10_000, o.changesOr(200));
        Path dir = o.dir.resolve("kafka-tx");
        BenchEnv.deleteRecursively(dir);
        Files.createDirectories(dir);
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir)) {
            String bs = kafka.bootstrapServers();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bs))) {
                admin.createTopics(List.of(new NewTopic("probe", 1, (short) 1))).all().get();
            }
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bs);
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "probe");
            p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            Properties c = new Properties();
            c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bs);
            c.put(ConsumerConfig.GROUP_ID_CONFIG, "probe");
            c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "50");
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
                 KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                producer.initTransactions();
                consumer.subscribe(List.of("probe"));
                consumer.poll(Duration.ofSeconds(2));
                long[] commit = new long[n];
                long[] visible = new long[n];
                for (int i = 0; i < n; i++) {
                    long t0 = System.nanoTime();
                    producer.beginTransaction();
                    producer.send(new ProducerRecord<>("probe", new byte[8], new byte[150]));
                    producer.commitTransaction();
                    long t1 = System.nanoTime();
                    commit[i] = t1 - t0;
                    int got = 0;
                    while (got == 0) {
                        got = consumer.poll(Duration.ofMillis(500)).count();
                    }
                    visible[i] = System.nanoTime() - t1;
                }
                Arrays.sort(commit);
                Arrays.sort(visible);
                System.out.printf(Locale.ROOT, "%d one-record Kafka transactions on the embedded broker:%n", n);
                System.out.printf(Locale.ROOT, "  begin+send+commit   p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms%n",
                        p(commit, .5), p(commit, .9), p(commit, .99), p(commit, 1));
                System.out.printf(Locale.ROOT, "  commit -> consumed  p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms%n",
                        p(visible, .5), p(visible, .9), p(visible, .99), p(visible, 1));
            }
        }
        System.exit(0);
    }

    private static double p(long[] sorted, double q) {
        return EndToEndBenchmark.percentile(sorted, q) / 1e6;
    }
}
