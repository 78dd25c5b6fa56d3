package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry run} (capture and apply in one process) is killed with SIGKILL at random points while a
 * workload makes 100k changes, each one {@code counter = counter + 1} on one of 2,000 rows, in transactions
 * of 400 rows; after each kill it is restarted. At the end every target counter equals its source counter,
 * and a trigger in the target saw no row go back or stand still, which is what applying any change (or the
 * snapshot) a second time would do.
 */
class ApplySurvivesKillsIT {

    private static final int ROWS = 2_000;
    private static final int ROUNDS = 50;
    private static final int TX_ROWS = 400;
    private static final long CHANGES = (long) ROWS * ROUNDS;

    private static TestServers servers;
    private static CounterWorkload writes;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        servers = TestServers.start();
        writes = new CounterWorkload(servers, ROWS, ROUNDS, TX_ROWS, 100);
    }

    @AfterAll
    static void stop() {
        servers.close();
    }

    @Test
    void targetCountersEqualSourceCountersAfterFiveKills() throws Exception {
        String source = servers.createDatabase("applykills_source");
        String target = servers.createDatabase("applykills_target");
        servers.execute(source,
                "CREATE TABLE counters (id int PRIMARY KEY, counter bigint NOT NULL, note text)",
                "INSERT INTO counters SELECT g, 0, 'row ' || g FROM generate_series(1, " + ROWS + ") g");
        // The target table as Ferry would create it, plus a witness of every update that does not move forward.
        servers.execute(target,
                "CREATE TABLE counters (id int PRIMARY KEY, counter bigint, note text)",
                "CREATE TABLE replays (id int, old_counter bigint, new_counter bigint, at timestamptz DEFAULT now())",
                "CREATE FUNCTION witness() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                        + " IF NEW.counter <= OLD.counter THEN"
                        + " INSERT INTO replays (id, old_counter, new_counter) VALUES (OLD.id, OLD.counter, NEW.counter);"
                        + " END IF; RETURN NEW; END $$",
                "CREATE TRIGGER witness BEFORE UPDATE ON counters FOR EACH ROW EXECUTE FUNCTION witness()");
        Path pipeline = servers.pipeline(dir, "applykills", source, "[public.counters]", servers.sinkYaml(target));

        Path log = dir.resolve("ferry.log");
        CompletableFuture<Void> workload = null;
        Random random = new Random(7);
        int kills = 0;
        long started = System.nanoTime();
        while (kills < 5 || !workload.isDone()) {
            try (FerryProcess ferry = FerryProcess.start(log, "256m", "run", pipeline.toString(),
                    "--status-interval", "PT1S")) {
                if (workload == null) {
                    // Changes count from the slot on: what was committed before it is snapshot data.
                    await().atMost(Duration.ofSeconds(60)).until(
                            () -> servers.postgres().confirmedFlushLsn("ferry_applykills") > 0 || !ferry.isAlive());
                    workload = CompletableFuture.runAsync(() -> writes.run(source));
                }
                long goal = Math.min(writes.applied(target) + 3_000 + random.nextInt(14_000), CHANGES);
                await().atMost(Duration.ofSeconds(90)).until(
                        () -> writes.applied(target) >= goal || !ferry.isAlive());
                assertThat(ferry.isAlive()).as("ferry died by itself:\n%s", ferry.output()).isTrue();
                ferry.kill();
                kills++;
                System.out.printf("kill %d at %d s: %d changes applied%n", kills,
                        (System.nanoTime() - started) / 1_000_000_000, writes.applied(target));
            }
            if (kills > 40) {
                throw new AssertionError("workload never finished");
            }
        }
        workload.join();

        try (FerryProcess ferry = FerryProcess.start(log, "256m", "run", pipeline.toString())) {
            await().atMost(Duration.ofSeconds(120)).until(() -> writes.applied(target) >= CHANGES || !ferry.isAlive());
            assertThat(ferry.isAlive()).as("ferry died by itself:\n%s", ferry.output()).isTrue();
            FerryProcess.Result verify = FerryInProcess.run("verify", pipeline.toString(), "--timeout", "PT60S");
            assertThat(verify.output()).contains("public.counters: match (2,000 rows");
            ferry.terminate();
        }

        Map<Integer, Long> expected = writes.counters(source);
        Map<Integer, Long> actual = writes.counters(target);
        long missing = 0;
        long extra = 0;
        for (Map.Entry<Integer, Long> e : expected.entrySet()) {
            long got = actual.getOrDefault(e.getKey(), 0L);
            missing += Math.max(0, e.getValue() - got);
            extra += Math.max(0, got - e.getValue());
        }
        long replays = servers.queryLong(target, "SELECT count(*) FROM replays");
        System.out.println("apply after " + kills + " kills: rows=" + actual.size() + " counters "
                + (expected.equals(actual) ? "equal" : "DIFFER") + ", changes=" + CounterWorkload.sum(expected) + " missing=" + missing
                + " extra=" + extra + " replayed updates=" + replays);
        assertThat(kills).isGreaterThanOrEqualTo(5);
        assertThat(CounterWorkload.sum(expected)).isEqualTo(CHANGES);
        assertThat(actual).isEqualTo(expected);
        assertThat(replays).as("updates in the target that did not move a counter forward").isZero();
    }
}
