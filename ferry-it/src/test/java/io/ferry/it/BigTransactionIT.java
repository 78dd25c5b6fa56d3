package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One 200k-row source transaction (about 110 MB of row data) is captured by a process with a 128 MB heap,
 * which is killed once in the middle: the transaction spans many Kafka transactions and the restart resumes
 * inside it, so every row arrives exactly once.
 */
class BigTransactionIT {

    private static final int ROWS = 200_000;
    private static final String HEAP = "128m";

    private static TestServers servers;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        servers = TestServers.start();
    }

    @AfterAll
    static void stop() {
        servers.close();
    }

    @Test
    void aTransactionLargerThanTheHeapIsCapturedOnceAcrossAKillInItsMiddle() throws Exception {
        String db = servers.createDatabase("bigtx");
        try (Connection c = servers.connect(db); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE wide (id int PRIMARY KEY, payload text NOT NULL)");
        }
        Path pipeline = servers.pipeline(dir, "bigtx", db, "[public.wide]");
        String topic = "bigtx.public.wide";
        Path log = dir.resolve("ferry.log");
        TopicWatcher watcher = TopicWatcher.start(servers.bootstrapServers(), List.of(topic));

        try (FerryProcess ferry = FerryProcess.start(log, HEAP, "run", pipeline.toString())) {
            // Wait for the slot: the pipeline is running once its (empty) snapshot is committed.
            await().atMost(Duration.ofSeconds(60)).until(
                    () -> servers.postgres().confirmedFlushLsn("ferry_bigtx") > 0 || !ferry.isAlive());
            try (Connection c = servers.connect(db); Statement s = c.createStatement()) {
                s.execute("INSERT INTO wide SELECT g, repeat(md5(g::text), 17) FROM generate_series(1, " + ROWS + ") g");
            }
            await().atMost(Duration.ofSeconds(120)).until(() -> watcher.count() >= ROWS / 3 || !ferry.isAlive());
            assertThat(ferry.isAlive()).as("ferry died:\n%s", ferry.output()).isTrue();
            ferry.kill();
        }
        long seenBeforeRestart = watcher.count();
        try (FerryProcess ferry = FerryProcess.start(log, HEAP, "run", pipeline.toString())) {
            await().atMost(Duration.ofSeconds(180)).until(() -> watcher.distinctAtLeast(ROWS) || !ferry.isAlive());
            assertThat(ferry.isAlive()).as("ferry died:\n%s", ferry.output()).isTrue();
            ferry.terminate();
        }
        watcher.close();

        ObjectMapper json = new ObjectMapper();
        int[] seen = new int[ROWS + 1];
        for (ConsumerRecord<byte[], byte[]> r : TopicWatcher.drain(servers.bootstrapServers(), List.of(topic))) {
            JsonNode env = json.readTree(r.value());
            if (env.path("op").asText().equals("c")) {
                seen[env.get("after").get("id").asInt()]++;
            }
        }
        long missing = 0;
        long extra = 0;
        for (int id = 1; id <= ROWS; id++) {
            missing += seen[id] == 0 ? 1 : 0;
            extra += Math.max(0, seen[id] - 1);
        }
        System.out.println("200k-row transaction, heap " + HEAP + ", killed after " + seenBeforeRestart
                + " visible rows: missing=" + missing + " extra=" + extra);
        assertThat(seenBeforeRestart).isLessThan(ROWS);
        assertThat("missing=" + missing + " extra=" + extra).isEqualTo("missing=0 extra=0");
    }
}
