package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.iceberg.IcebergTarget;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry run} into Iceberg tables is killed with SIGKILL at random points while a workload makes 40k changes,
 * each {@code counter = counter + 1} on one of 2,000 rows, in transactions of 400 rows (with
 * {@code -Dferry.it.iceberg.full=true} the size: 102k changes on 3,000 rows in transactions of 750), then
 * deletes every tenth row; after each kill it is restarted. Rows written to data files but not committed when the process dies must
 * come again exactly once: at the end every counter read back from Iceberg equals the source's, no key is there
 * twice, and the deleted rows are gone.
 */
class IcebergApplySurvivesKillsIT {

    /** The default keeps the suite's time; the full size is run by hand (docs in the class comment). */
    private static final boolean FULL = Boolean.getBoolean("ferry.it.iceberg.full");
    private static final int ROWS = FULL ? 3_000 : 2_000;
    private static final int ROUNDS = FULL ? 34 : 20;
    private static final int TX_ROWS = FULL ? 750 : 400;
    private static final int KEPT = ROWS - ROWS / 10;
    private static final long CHANGES = (long) ROWS * ROUNDS;

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
    void icebergCountersEqualSourceCountersAfterFiveKills() throws Exception {
        String source = servers.createDatabase("lakekills_source");
        servers.execute(source,
                "CREATE TABLE counters (id int PRIMARY KEY, counter bigint NOT NULL, note text)",
                "INSERT INTO counters SELECT g, 0, 'row ' || g FROM generate_series(1, " + ROWS + ") g");
        Path lake = dir.resolve("lake");
        Path pipeline = servers.pipeline(dir, "lakekills", source, "[public.counters]",
                "sink:\n  type: iceberg\n  warehouse: " + lake + "\n  commit-interval: 1s\n");
        IcebergTarget target = new IcebergTarget(lake.toString());

        Path log = dir.resolve("ferry.log");
        CompletableFuture<Void> workload = null;
        Random random = new Random(7);
        int kills = 0;
        long started = System.nanoTime();
        while (kills < 5 || !workload.isDone()) {
            try (FerryProcess ferry = FerryProcess.start(log, "384m", "run", pipeline.toString(),
                    "--status-interval", "PT1S")) {
                if (workload == null) {
                    await().atMost(Duration.ofSeconds(120)).until(
                            () -> servers.postgres().confirmedFlushLsn("ferry_lakekills") > 0 || !ferry.isAlive());
                    workload = CompletableFuture.runAsync(() -> runWorkload(source));
                }
                long goal = Math.min(applied(target) + 2_000 + random.nextInt(6_000), CHANGES);
                await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500)).until(
                        () -> applied(target) >= goal || !ferry.isAlive());
                assertThat(ferry.isAlive()).as("ferry died by itself:\n%s", ferry.output()).isTrue();
                ferry.kill();
                kills++;
                System.out.printf("kill %d at %d s: %d changes committed in Iceberg%n", kills,
                        (System.nanoTime() - started) / 1_000_000_000, applied(target));
            }
            if (kills > 40) {
                throw new AssertionError("workload never finished");
            }
        }
        workload.join();
        servers.execute(source, "DELETE FROM counters WHERE id % 10 = 0");

        try (FerryProcess ferry = FerryProcess.start(log, "384m", "run", pipeline.toString())) {
            // The full size leaves tens of thousands of changes to apply after the last kill.
            FerryProcess.Result verify = FerryInProcess.run("verify", pipeline.toString(), "--timeout",
                    FULL ? "PT600S" : "PT110S");
            assertThat(verify.output()).as(verify.output()).contains(String.format(Locale.ROOT, "public.counters: match (%,d rows", KEPT));
            ferry.terminate();
        }

        Map<Integer, Long> expected = counters(source);
        Map<Integer, Long> actual = new HashMap<>();
        for (List<Object> r : target.rows("public", "counters", "id", "counter")) {
            assertThat(actual.put((Integer) r.get(0), (Long) r.get(1))).as("key %s is there once", r.get(0)).isNull();
        }
        System.out.println("Iceberg apply after " + kills + " kills: rows=" + actual.size() + " counters "
                + (expected.equals(actual) ? "equal" : "DIFFER") + ", changes=" + CHANGES + " in "
                + (System.nanoTime() - started) / 1_000_000_000 + " s");
        assertThat(kills).isGreaterThanOrEqualTo(5);
        assertThat(actual).isEqualTo(expected);
        assertThat(actual).hasSize(KEPT).doesNotContainKeys(10, 20, ROWS);
    }

    /** Changes committed in Iceberg: the sum of the counters a reader sees. */
    private static long applied(IcebergTarget target) {
        try {
            long sum = 0;
            for (List<Object> r : target.rows("public", "counters", "id", "counter")) {
                sum += (Long) r.get(1);
            }
            return sum;
        } catch (RuntimeException e) {
            return 0; // the table does not exist before the first commit
        }
    }

    private static Map<Integer, Long> counters(String db) throws Exception {
        Map<Integer, Long> out = new HashMap<>();
        try (Connection c = servers.connect(db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id, counter FROM counters")) {
            while (rs.next()) {
                out.put(rs.getInt(1), rs.getLong(2));
            }
        }
        return out;
    }

    /** {@link #ROUNDS} rounds over the {@link #ROWS} rows, {@link #TX_ROWS} rows per transaction, paced. */
    private static void runWorkload(String db) {
        try (Connection c = servers.connect(db);
             PreparedStatement ps = c.prepareStatement(
                     "UPDATE counters SET counter = counter + 1, note = ? WHERE id BETWEEN ? AND ?")) {
            c.setAutoCommit(false);
            for (int round = 1; round <= ROUNDS; round++) {
                for (int first = 1; first <= ROWS; first += TX_ROWS) {
                    ps.setString(1, "round " + round);
                    ps.setInt(2, first);
                    ps.setInt(3, first + TX_ROWS - 1);
                    ps.executeUpdate();
                    c.commit();
                    Thread.sleep(150);
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("workload failed", e);
        }
    }
}
