package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code ferry run --role capture} processes (one reads the source, one stands by) and three {@code ferry run
 * --role apply} processes (the first with two appliers) share a pipeline whose table topic has 6 partitions, while
 * a workload makes 36k changes, each {@code counter = counter + 1} on one of 1,200 rows. One apply process and the
 * capture that reads are killed with SIGKILL mid-run: the applier's partitions move to the others, which start at
 * the offsets it committed in the target, and the standby takes the capture over from the offsets topic. At the end
 * every target counter equals its source counter, and a trigger in the target saw no row go back or stand still,
 * which is what applying any change a second time would do.
 */
class ApplyScalesOutIT {

    private static final int ROWS = 1_200;
    private static final int ROUNDS = 30;
    private static final int TX_ROWS = 200;
    private static final long CHANGES = (long) ROWS * ROUNDS;
    private static final int PARTITIONS = 6;
    private static final Pattern APPLIES = Pattern.compile("\\| partitions ([^ |]+)");
    private static final Pattern CAPTURED = Pattern.compile("\\| captured ([0-9,]+)");

    private static TestServers servers;
    private static CounterWorkload writes;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        servers = TestServers.start();
        writes = new CounterWorkload(servers, ROWS, ROUNDS, TX_ROWS, 110);
    }

    @AfterAll
    static void stop() {
        servers.close();
    }

    @Test
    void threeAppliersShareThePartitionsAndAKilledApplierAndCaptureLoseAndReplayNothing() throws Exception {
        String source = servers.createDatabase("scaleout_source");
        String target = servers.createDatabase("scaleout_target");
        servers.execute(source,
                "CREATE TABLE counters (id int PRIMARY KEY, counter bigint NOT NULL, note text)",
                "INSERT INTO counters SELECT g, 0, 'row ' || g FROM generate_series(1, " + ROWS + ") g");
        servers.execute(target,
                "CREATE TABLE counters (id int PRIMARY KEY, counter bigint, note text)",
                "CREATE TABLE replays (id int, old_counter bigint, new_counter bigint)",
                "CREATE FUNCTION witness() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                        + " IF NEW.counter <= OLD.counter THEN"
                        + " INSERT INTO replays (id, old_counter, new_counter) VALUES (OLD.id, OLD.counter, NEW.counter);"
                        + " END IF; RETURN NEW; END $$",
                "CREATE TRIGGER witness BEFORE UPDATE ON counters FOR EACH ROW EXECUTE FUNCTION witness()");
        // A short session: the killed processes' partitions and lease move after 6 s (the broker's minimum), not 45.
        Path pipeline = servers.pipeline(dir, "scaleout", source, "[public.counters]",
                "  partitions: " + PARTITIONS + "\n"
                        + "  properties:\n"
                        + "    session.timeout.ms: 6000\n"
                        + "    heartbeat.interval.ms: 1000\n"
                        + "http:\n"
                        + "  enabled: false\n"
                        + servers.sinkYaml(target));
        String topic = "scaleout.public.counters";
        long started = System.nanoTime();

        List<FerryProcess> appliers = new ArrayList<>();
        try (FerryProcess captureA = FerryProcess.start(dir.resolve("captureA.out"), "256m", "run",
                pipeline.toString(), "--role", "capture", "--status-interval", "PT1S");
             FerryProcess captureB = startAfterFirstStatus(captureA, dir.resolve("captureB.out"), "run",
                     pipeline.toString(), "--role", "capture", "--status-interval", "PT1S")) {
            List<FerryProcess> captures = List.of(captureA, captureB);
            // Started together: five JVMs warm up at once; the appliers find the table topic once capture made it.
            for (int i = 0; i < 3; i++) {
                // The first process runs two appliers of its own: four consumers share the six partitions.
                appliers.add(FerryProcess.start(dir.resolve("apply" + i + ".out"), "256m", "run", pipeline.toString(),
                        "--role", "apply", "--appliers", i == 0 ? "2" : "1", "--status-interval", "PT1S"));
            }
            try {
                // One capture reads the source, the other stands by.
                awaitOrShow(appliers, captures, () -> latestStatus(captureA).contains("] capture running")
                        && latestStatus(captureB).contains("] capture standing by")
                        || latestStatus(captureB).contains("] capture running")
                        && latestStatus(captureA).contains("] capture standing by"));
                FerryProcess reader = latestStatus(captureA).contains("] capture running") ? captureA : captureB;
                FerryProcess standby = reader == captureA ? captureB : captureA;
                awaitOrShow(appliers, captures,
                        () -> servers.postgres().confirmedFlushLsn("ferry_scaleout") > 0 || !reader.isAlive());
                assertThat(reader.isAlive()).as("capture died:\n%s", reader.output()).isTrue();
                CompletableFuture<Void> workload = CompletableFuture.runAsync(() -> writes.run(source));
                assertThat(partitionsOf(topic)).isEqualTo(PARTITIONS);
                // Each applier gets a share of the 6 partitions, and together they hold all of them.
                awaitOrShow(appliers, captures, () -> {
                    Set<String> all = new TreeSet<>();
                    for (FerryProcess a : appliers) {
                        Set<String> own = latestPartitions(a);
                        if (!a.isAlive() || own.isEmpty()) {
                            return !a.isAlive();
                        }
                        all.addAll(own);
                    }
                    return all.size() == PARTITIONS;
                });
                System.out.printf("3 appliers share the partitions at %d s%n",
                        (System.nanoTime() - started) / 1_000_000_000);
                for (FerryProcess a : appliers) {
                    assertThat(a.isAlive()).as("an applier died:\n%s", a.output()).isTrue();
                }
                long goal = CHANGES / 4;
                awaitOrShow(appliers, captures, () -> writes.applied(target) >= goal);
                FerryProcess victim = appliers.get(1);
                Set<String> orphaned = latestPartitions(victim);
                victim.kill();
                reader.kill();
                long atKill = writes.applied(target);
                System.out.printf("killed applier 1 (partitions %s) and the capture at %d s: %d of %d changes applied,"
                        + " workload %s%n", orphaned, (System.nanoTime() - started) / 1_000_000_000, atKill, CHANGES,
                        workload.isDone() ? "done" : "still writing");
                assertThat(atKill).as("the kill lands mid-run").isLessThan(CHANGES);

                // The standby takes the capture over where the killed one committed.
                awaitOrShow(appliers, captures, () -> latestStatus(standby).contains("] capture running"));
                System.out.printf("the standby captures at %d s%n", (System.nanoTime() - started) / 1_000_000_000);

                // The survivors take the orphaned partitions over and apply everything.
                List<FerryProcess> survivors = List.of(appliers.get(0), appliers.get(2));
                awaitOrShow(appliers, captures, () -> {
                    Set<String> all = new TreeSet<>();
                    for (FerryProcess a : survivors) {
                        all.addAll(latestPartitions(a));
                    }
                    return all.size() == PARTITIONS;
                });
                System.out.printf("the survivors apply all partitions at %d s%n",
                        (System.nanoTime() - started) / 1_000_000_000);
                workload.get();
                awaitOrShow(appliers, captures, () -> writes.applied(target) >= CHANGES);
                for (FerryProcess a : survivors) {
                    assertThat(a.isAlive()).as("an applier died:\n%s", a.output()).isTrue();
                }
                assertThat(standby.isAlive()).as("capture died:\n%s", standby.output()).isTrue();
                Matcher captured = CAPTURED.matcher(latestStatus(standby));
                assertThat(captured.find()).isTrue();
                System.out.println("the standby captured " + captured.group(1) + " changes");
            } finally {
                for (FerryProcess a : appliers) {
                    a.close();
                }
            }
        }

        Map<Integer, Long> expected = writes.counters(source);
        Map<Integer, Long> actual = writes.counters(target);
        long replays = servers.queryLong(target, "SELECT count(*) FROM replays");
        System.out.printf("3 appliers, one killed: counters %s, changes=%d, replayed updates=%d, %d s%n",
                expected.equals(actual) ? "equal" : "DIFFER", CounterWorkload.sum(expected), replays,
                (System.nanoTime() - started) / 1_000_000_000);
        assertThat(CounterWorkload.sum(expected)).isEqualTo(CHANGES);
        assertThat(actual).isEqualTo(expected);
        assertThat(replays).as("updates in the target that did not move a counter forward").isZero();
        assertThat(servers.queryLong(target, "SELECT count(DISTINCT partition) FROM ferry_offsets WHERE topic = '"
                + topic + "'")).as("partitions with offsets stored in the target").isEqualTo(PARTITIONS);
    }

    /** Waits up to 120 s (five JVMs share the machine); on timeout the failure shows what each process wrote. */
    private static void awaitOrShow(List<FerryProcess> appliers, List<FerryProcess> captures,
                                    java.util.concurrent.Callable<Boolean> condition) throws IOException {
        try {
            await().atMost(Duration.ofSeconds(120)).until(condition);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            StringBuilder b = new StringBuilder(e.getMessage());
            for (FerryProcess c : captures) {
                b.append("\n--- capture:\n").append(tail(c.output())).append(tail(c.log()));
            }
            for (int i = 0; i < appliers.size(); i++) {
                b.append("\n--- applier ").append(i).append(":\n").append(tail(appliers.get(i).output()))
                        .append(tail(appliers.get(i).log()));
            }
            throw new AssertionError(b.toString(), e);
        }
    }

    private static String tail(String text) {
        List<String> lines = text.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 12), lines.size())) + "\n";
    }

    /**
     * Starts a process once {@code first} printed its first status line: two capture processes starting at the same
     * instant would both try to create the source's publication.
     */
    private static FerryProcess startAfterFirstStatus(FerryProcess first, Path output, String... args)
            throws IOException {
        await().atMost(Duration.ofSeconds(120)).until(() -> !latestStatus(first).isEmpty() || !first.isAlive());
        return FerryProcess.start(output, "256m", args);
    }

    /** A process's newest status line, or "" before its first. */
    private static String latestStatus(FerryProcess p) throws IOException {
        String latest = "";
        for (String line : p.output().lines().toList()) {
            if (line.contains("] capture ")) {
                latest = line;
            }
        }
        return latest;
    }

    /** The partitions an applier's newest status line says it applies. */
    private static Set<String> latestPartitions(FerryProcess applier) throws IOException {
        Set<String> latest = new TreeSet<>();
        for (String line : applier.output().lines().toList()) {
            if (line.contains("] capture ")) {
                Matcher m = APPLIES.matcher(line);
                latest = new TreeSet<>();
                if (m.find()) {
                    latest.addAll(List.of(m.group(1).split(",")));
                }
            }
        }
        return latest;
    }

    private static int partitionsOf(String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers.bootstrapServers()))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> admin.listTopics().names().get().contains(topic));
            return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
        }
    }
}
