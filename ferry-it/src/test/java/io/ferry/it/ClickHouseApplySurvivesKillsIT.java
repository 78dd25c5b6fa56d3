package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.clickhouse.ClickHouseTestServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry run} into ClickHouse is killed with SIGKILL at random points while a workload makes 51k changes (102k
 * with 34 rounds), each {@code counter = counter + 1} on one of 3,000 rows in transactions of 750 rows, with rows deleted and
 * written again in one transaction along the way and 100 rows deleted for good at the end; after each kill it is
 * restarted. ClickHouse has no transactions: every kill may land between a batch's rows and its offsets. At the end
 * the {@code FINAL} state equals the source (every counter, no deleted row), holds each key once, and
 * {@code ferry verify} agrees.
 */
class ClickHouseApplySurvivesKillsIT {

    private static final int ROWS = 3_000;
    /** 17 rounds (51k changes) keep the suite's time; {@code -Dferry.it.clickhouse.rounds=34} runs the 102k. */
    private static final int ROUNDS = Integer.getInteger("ferry.it.clickhouse.rounds", 17);
    private static final int TX_ROWS = 750;
    private static final long CHANGES = (long) ROWS * ROUNDS;

    private static TestServers servers;
    private static ClickHouseTestServer clickhouse;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        servers = TestServers.start();
        clickhouse = ClickHouseTestServer.shared();
    }

    @AfterAll
    static void stop() {
        servers.close();
    }

    @Test
    void theFinalStateEqualsTheSourceAfterFiveKills() throws Exception {
        String source = servers.createDatabase("clickhouse_kills_source");
        String db = clickhouse.freshDatabase();
        servers.execute(source,
                "CREATE TABLE counters (id int PRIMARY KEY, counter bigint NOT NULL, note text)",
                "INSERT INTO counters SELECT g, 0, 'row ' || g FROM generate_series(1, " + ROWS + ") g");
        Path pipeline = servers.pipeline(dir, "clickhousekills", source, "[public.counters]",
                "sink:\n  type: clickhouse\n  host: " + ClickHouseTestServer.HOST + "\n  port: " + clickhouse.httpPort()
                        + "\n  database: " + db + "\n  user: " + ClickHouseTestServer.USER + "\n  password: "
                        + ClickHouseTestServer.PASSWORD + "\n");

        Path log = dir.resolve("ferry.log");
        CompletableFuture<Void> workload = null;
        Random random = new Random(11);
        int kills = 0;
        long started = System.nanoTime();
        while (kills < 5 || !workload.isDone()) {
            try (FerryProcess ferry = FerryProcess.start(log, "256m", "run", pipeline.toString(),
                    "--status-interval", "PT1S")) {
                if (workload == null) {
                    await().atMost(Duration.ofSeconds(60)).until(
                            () -> servers.postgres().confirmedFlushLsn("ferry_clickhousekills") > 0 || !ferry.isAlive());
                    workload = CompletableFuture.runAsync(() -> runWorkload(source));
                }
                int step = 2_000 + random.nextInt(CHANGES > 60_000 ? 14_000 : 6_000);
                long goal = Math.min(applied(db) + step, CHANGES);
                await().atMost(Duration.ofSeconds(90)).until(() -> applied(db) >= goal || !ferry.isAlive());
                assertThat(ferry.isAlive()).as("ferry died by itself:\n%s", ferry.output()).isTrue();
                ferry.kill();
                kills++;
                System.out.printf("kill %d at %d s: %d changes applied%n", kills,
                        (System.nanoTime() - started) / 1_000_000_000, applied(db));
            }
            if (kills > 40) {
                throw new AssertionError("workload never finished");
            }
        }
        workload.join();

        Map<Integer, Long> expected = counters(source);
        try (FerryProcess ferry = FerryProcess.start(log, "256m", "run", pipeline.toString())) {
            await().atMost(Duration.ofSeconds(120)).until(() -> targetCounters(db).equals(expected) || !ferry.isAlive());
            assertThat(ferry.isAlive()).as("ferry died by itself:\n%s", ferry.output()).isTrue();
            FerryProcess.Result verify = FerryInProcess.run("verify", pipeline.toString(), "--timeout", "PT60S");
            assertThat(verify.output()).contains("public.counters: match (2,900 rows");
            ferry.terminate();
        }

        Map<Integer, Long> actual = targetCounters(db);
        System.out.println("clickhouse apply after " + kills + " kills: rows=" + actual.size() + " counters "
                + (expected.equals(actual) ? "equal" : "DIFFER") + ", changes=" + CHANGES);
        assertThat(kills).isGreaterThanOrEqualTo(5);
        assertThat(actual).isEqualTo(expected);
        assertThat(clickhouse.query("SELECT count(), uniqExact(id), countIf(_ferry_deleted = 0 AND id <= 100) FROM "
                + db + ".counters FINAL")).containsExactly(List.of("3000", "3000", "0"));
        clickhouse.execute("OPTIMIZE TABLE " + db + ".counters FINAL");
        assertThat(clickhouse.query("SELECT count(), uniqExact(id) FROM " + db + ".counters"))
                .as("one row per key once merged").containsExactly(List.of("3000", "3000"));
    }

    /** Changes the target shows: the sum of its live counters. */
    private static long applied(String db) {
        try {
            return Long.parseLong(clickhouse.query("SELECT ifNull(sum(counter), 0) FROM " + db + ".counters FINAL WHERE"
                    + " _ferry_deleted = 0").get(0).get(0));
        } catch (IllegalStateException e) {
            return 0; // the table does not exist yet
        }
    }

    private static Map<Integer, Long> targetCounters(String db) {
        Map<Integer, Long> out = new HashMap<>();
        for (List<String> r : clickhouse.query("SELECT id, counter FROM " + db + ".counters FINAL WHERE"
                + " _ferry_deleted = 0")) {
            out.put(Integer.parseInt(r.get(0)), Long.parseLong(r.get(1)));
        }
        return out;
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

    /**
     * Increments: {@link #ROUNDS} rounds over the 3,000 rows, 750 rows per transaction, paced; every
     * fifth round also deletes 100 rows and writes them back in one transaction; at the end rows 1 to 100 go.
     */
    private static void runWorkload(String db) {
        try (Connection c = servers.connect(db);
             PreparedStatement ps = c.prepareStatement(
                     "UPDATE counters SET counter = counter + 1, note = ? WHERE id BETWEEN ? AND ?");
             Statement st = c.createStatement()) {
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
                if (round % 5 == 0) {
                    int from = 100 * round;
                    st.execute("WITH gone AS (DELETE FROM counters WHERE id BETWEEN " + from + " AND " + (from + 99)
                            + " RETURNING *) INSERT INTO counters SELECT id, counter, 'back' FROM gone");
                    c.commit();
                }
            }
            st.execute("DELETE FROM counters WHERE id <= 100");
            c.commit();
        } catch (Exception e) {
            throw new IllegalStateException("workload failed", e);
        }
    }
}
