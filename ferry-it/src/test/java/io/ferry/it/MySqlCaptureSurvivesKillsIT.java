package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.kafka.KafkaTestCluster;
import io.ferry.mysql.MySqlTestServer;
import io.ferry.mysql.MySqlTestServer.Flavor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The MariaDB and MySQL 8 twin of {@link CaptureSurvivesKillsIT}: binlog capture killed with SIGKILL at random
 * points while 100k changes commit in 750-row transactions; every change arrives exactly once, in key order.
 */
@ParameterizedClass
@EnumSource(Flavor.class)
class MySqlCaptureSurvivesKillsIT {

    private static final int CHANGES = 100_000;
    private static final int TX_ROWS = 750;
    private static final int KEYS = 5_000;

    private static KafkaTestCluster kafka;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        kafka = KafkaTestCluster.start(1);
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    private final MySqlDatabases mysql;
    /** Per flavor: both runs share one Kafka, and a pipeline's name prefixes its topics. */
    private final String name;

    MySqlCaptureSurvivesKillsIT(Flavor flavor) {
        mysql = new MySqlDatabases(flavor);
        name = "mykills-" + mysql.type();
    }

    @Test
    void everyChangeArrivesExactlyOnceAndInKeyOrderAcrossFiveKills() throws Exception {
        mysql.execute(MySqlTestServer.DATABASE, "CREATE TABLE ledger (id int PRIMARY KEY, seq bigint NOT NULL,"
                + " version int NOT NULL, note varchar(40))");
        Path pipeline = Files.writeString(dir.resolve(name + ".yaml"), "name: " + name + "\n"
                + "source:\n"
                + mysql.section(MySqlTestServer.DATABASE)
                + "  tables: [" + MySqlTestServer.DATABASE + ".ledger]\n"
                + "kafka:\n"
                + "  bootstrap-servers: " + kafka.bootstrapServers() + "\n");
        String topic = name + "." + MySqlTestServer.DATABASE + ".ledger";
        TopicWatcher watcher = TopicWatcher.start(kafka.bootstrapServers(), List.of(topic));
        Path log = dir.resolve("ferry.log");
        CompletableFuture<Void> workload = null;
        Random random = new Random(7);
        int kills = 0;
        while (kills < 5 || !workload.isDone()) {
            try (FerryProcess ferry = FerryProcess.start(log, "256m", "run", pipeline.toString())) {
                if (workload == null) {
                    // Changes count from the end of the snapshot on: rows committed before it are snapshot reads.
                    await().atMost(Duration.ofSeconds(60)).until(() -> snapshotDone(name) || !ferry.isAlive());
                    workload = CompletableFuture.runAsync(this::runWorkload);
                }
                long target = watcher.count() + 2_000 + random.nextInt(12_000);
                await().atMost(Duration.ofSeconds(90)).until(
                        () -> watcher.count() >= Math.min(target, CHANGES) || !ferry.isAlive());
                assertThat(ferry.isAlive()).as("ferry died by itself:\n%s", ferry.output()).isTrue();
                ferry.kill();
                kills++;
            }
            if (kills > 40) {
                throw new AssertionError("workload never finished");
            }
        }
        workload.join();

        try (FerryProcess ferry = FerryProcess.start(log, "256m", "run", pipeline.toString())) {
            await().atMost(Duration.ofSeconds(120)).until(() -> watcher.distinctAtLeast(CHANGES) || !ferry.isAlive());
            ferry.terminate();
        }
        watcher.close();

        ChangeLedger ledger = new ChangeLedger(CHANGES);
        TopicWatcher.drain(kafka.bootstrapServers(), List.of(topic)).forEach(ledger::add);
        System.out.println(mysql + " capture after " + kills + " kills: " + ledger.summary());
        assertThat(ledger.summary()).isEqualTo("missing=0 extra=0");
        assertThat(ledger.orderViolations()).isEmpty();
    }

    private boolean snapshotDone(String prefix) {
        return TopicWatcher.drain(kafka.bootstrapServers(), List.of(prefix + ".ferry-offsets")).stream()
                .anyMatch(r -> new String(r.value(), StandardCharsets.UTF_8).contains("\"snapshot_done\":true"));
    }

    /** 100k changes on 5k keys: an insert first, then updates bumping version, 750 rows per transaction. */
    private void runWorkload() {
        try (Connection c = mysql.server().connect()) {
            c.setAutoCommit(false);
            for (int first = 1; first <= CHANGES; first += TX_ROWS) {
                int n = Math.min(TX_ROWS, CHANGES - first + 1);
                try (PreparedStatement ps = c.prepareStatement(upsert(n))) {
                    for (int i = 0; i < n; i++) {
                        long seq = first + i;
                        ps.setInt(3 * i + 1, (int) ((seq - 1) % KEYS) + 1);
                        ps.setLong(3 * i + 2, seq);
                        ps.setString(3 * i + 3, "n" + seq);
                    }
                    ps.executeUpdate();
                }
                c.commit();
                // Paced so that the kills land while the source is still writing, not only on a backlog.
                Thread.sleep(60);
            }
        } catch (Exception e) {
            throw new IllegalStateException("workload failed", e);
        }
    }

    private static String upsert(int rows) {
        StringBuilder sql = new StringBuilder("INSERT INTO ledger (id, seq, version, note) VALUES ");
        for (int i = 0; i < rows; i++) {
            sql.append(i == 0 ? "" : ",").append("(?, ?, 1, ?)");
        }
        return sql.append(" ON DUPLICATE KEY UPDATE seq = VALUES(seq), version = version + 1, note = VALUES(note)")
                .toString();
    }
}
