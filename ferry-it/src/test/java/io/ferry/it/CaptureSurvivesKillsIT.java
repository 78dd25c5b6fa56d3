package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Capture is killed with SIGKILL at random points while a workload commits 100k changes in 750-row
 * transactions; after each kill it is restarted. A read_committed consumer must see every change exactly
 * once, each key's versions in order.
 */
class CaptureSurvivesKillsIT {

    private static final int CHANGES = 100_000;
    private static final int TX_ROWS = 750;
    private static final int KEYS = 5_000;

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
    void everyChangeArrivesExactlyOnceAndInKeyOrderAcrossFiveKills() throws Exception {
        String db = servers.createDatabase("kills");
        try (Connection c = servers.connect(db); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE ledger (id int PRIMARY KEY, seq bigint NOT NULL, version int NOT NULL, note text)");
        }
        Path pipeline = servers.pipeline(dir, "kills", db, "[public.ledger]");
        String topic = "kills.public.ledger";
        TopicWatcher watcher = TopicWatcher.start(servers.bootstrapServers(), List.of(topic));

        Path log = dir.resolve("ferry.log");
        CompletableFuture<Void> workload = null;
        Random random = new Random(42);
        int kills = 0;
        while (kills < 5 || !workload.isDone()) {
            try (FerryProcess ferry = FerryProcess.start(log, "256m", "run", pipeline.toString(),
                    "--status-interval", "PT1S")) {
                if (workload == null) {
                    // Changes count from the slot on: what was committed before it is snapshot data (op r).
                    await().atMost(Duration.ofSeconds(60)).until(
                            () -> servers.postgres().confirmedFlushLsn("ferry_kills") > 0 || !ferry.isAlive());
                    String db0 = db;
                    workload = CompletableFuture.runAsync(() -> runWorkload(db0));
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
            try {
                await().atMost(Duration.ofSeconds(120)).until(() -> watcher.distinctAtLeast(CHANGES));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                ChangeLedger partial = new ChangeLedger(CHANGES);
                TopicWatcher.drain(servers.bootstrapServers(), List.of(topic)).forEach(partial::add);
                throw new AssertionError("not all changes arrived: " + partial.summary() + " "
                        + partial.orderViolations() + "\n" + ferry.output(), e);
            }
            ferry.terminate();
        }
        watcher.close();

        ChangeLedger ledger = new ChangeLedger(CHANGES);
        TopicWatcher.drain(servers.bootstrapServers(), List.of(topic)).forEach(ledger::add);
        System.out.println("capture after " + kills + " kills: " + ledger.summary());
        assertThat(kills).isGreaterThanOrEqualTo(5);
        assertThat(ledger.summary()).isEqualTo("missing=0 extra=0");
        assertThat(ledger.orderViolations()).isEmpty();
    }

    /** 100k changes on 5k keys: an insert first, then updates bumping version, 750 rows per transaction. */
    private static void runWorkload(String db) {
        String sql = "INSERT INTO ledger (id, seq, version, note) "
                + "SELECT k, s, 1, 'n' || s FROM unnest(?::int[], ?::bigint[]) AS t(k, s) "
                + "ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, version = ledger.version + 1, note = EXCLUDED.note";
        try (Connection c = servers.connect(db); PreparedStatement ps = c.prepareStatement(sql)) {
            c.setAutoCommit(false);
            for (int first = 1; first <= CHANGES; first += TX_ROWS) {
                int n = Math.min(TX_ROWS, CHANGES - first + 1);
                Integer[] keys = new Integer[n];
                Long[] seqs = new Long[n];
                for (int i = 0; i < n; i++) {
                    long seq = first + i;
                    seqs[i] = seq;
                    keys[i] = (int) ((seq - 1) % KEYS) + 1;
                }
                ps.setArray(1, c.createArrayOf("int4", keys));
                ps.setArray(2, c.createArrayOf("int8", seqs));
                ps.executeUpdate();
                c.commit();
                // Paced so that the kills land while the source is still writing, not only on a backlog.
                Thread.sleep(60);
            }
        } catch (Exception e) {
            throw new IllegalStateException("workload failed", e);
        }
    }
}
