package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Capture is killed with SIGKILL at random points while a workload commits 100k changes in 750-row
 * transactions; after each kill it is restarted. A read_committed consumer must see every change exactly
 * once, each key's versions in order. And capture is killed five times in the middle of its initial snapshot
 * while updates hit the rows being copied: each restart reads on from the last chunk it committed, and the
 * topics end equal to the source. {@code -Dferry.it.snapshot.rows=1000000} copies a million rows instead of 200k.
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

    private static final int SNAPSHOT_ROWS = Integer.getInteger("ferry.it.snapshot.rows", 200_000);
    private static final int CHUNK = 2_000;
    private static final Pattern RESUMING = Pattern.compile(
            "Resuming snapshot of public\\.(\\w+) after (\\d+) row\\(s\\) \\((\\d+) chunk\\(s\\) done\\)");

    @Test
    void aSnapshotKilledFiveTimesReadsOnFromItsLastChunkAndEndsEqualToTheSource() throws Exception {
        long started = System.nanoTime();
        String db = servers.createDatabase("snapkills");
        try (Connection c = servers.connect(db); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE big (id int PRIMARY KEY, version int NOT NULL, note text)");
            s.execute("INSERT INTO big SELECT g, 1, 'n' || g FROM generate_series(1, " + SNAPSHOT_ROWS + ") g");
            s.execute("CREATE TABLE side (id int PRIMARY KEY, version int NOT NULL, note text)");
            s.execute("INSERT INTO side SELECT g, 1, 's' || g FROM generate_series(1, " + SNAPSHOT_ROWS / 4 + ") g");
            s.execute("ANALYZE big, side");
        }
        Path pipeline = servers.pipeline(dir, "snapkills", db,
                "[public.big, public.side]\n  snapshot-chunk-rows: " + CHUNK);
        List<String> topics = List.of("snapkills.public.big", "snapkills.public.side");
        SnapshotLedger.Live bigTopic = new SnapshotLedger.Live(servers.bootstrapServers(), topics.get(0));
        Path out = dir.resolve("ferry.out");
        AtomicBoolean hammering = new AtomicBoolean(true);
        CompletableFuture<Void> updates = null;
        List<String> runOutputs = new ArrayList<>();
        Random random = new Random(7);
        for (int kill = 1; kill <= 5; kill++) {
            long from = Files.exists(out) ? Files.size(out) : 0;
            long previousRun = bigTopic.newestRun();
            try (FerryProcess ferry = FerryProcess.start(out, "256m", "run", pipeline.toString(),
                    "--status-interval", "PT1S")) {
                if (updates == null) {
                    updates = CompletableFuture.runAsync(() -> hammer(db, bigTopic, hammering));
                }
                // Some chunks committed in Kafka by this run, then SIGKILL somewhere inside a chunk.
                long target = 2L * CHUNK + random.nextInt(4 * CHUNK);
                await().atMost(Duration.ofSeconds(90)).until(() -> (bigTopic.newestRun() != previousRun
                        && bigTopic.readsOfNewestRun() >= target) || !ferry.isAlive());
                assertThat(ferry.isAlive()).as("ferry died by itself:\n%s", ferry.output()).isTrue();
                ferry.kill();
            }
            runOutputs.add(Files.readString(out).substring((int) from));
        }
        long killedAt = System.nanoTime();
        Map<String, SnapshotLedger> ledgers;
        long from = Files.size(out);
        try (FerryProcess ferry = FerryProcess.start(out, "256m", "run", pipeline.toString())) {
            await().atMost(Duration.ofSeconds(120)).until(
                    () -> Files.readString(out).substring((int) from).contains("Snapshot of 2 table(s) done")
                            || !ferry.isAlive());
            hammering.set(false);
            updates.join();
            // The last change: once it is in Kafka, every change committed before it is too.
            try (Connection c = servers.connect(db); Statement s = c.createStatement()) {
                s.execute("INSERT INTO side VALUES (0, 1, '" + SnapshotLedger.Live.THE_END + "')");
            }
            try (SnapshotLedger.Live side = new SnapshotLedger.Live(servers.bootstrapServers(), topics.get(1))) {
                await().atMost(Duration.ofSeconds(120)).until(() -> side.sawTheEnd() || !ferry.isAlive());
            }
            assertThat(ferry.isAlive()).as("ferry died by itself:\n%s", ferry.output()).isTrue();
            ledgers = Map.of("big", ledger(topics.get(0)), "side", ledger(topics.get(1)));
            assertThat(ledgers.get("big").compareWith(sourceRows(db, "big"))).isEqualTo("missing=0 extra=0");
            assertThat(ledgers.get("side").compareWith(sourceRows(db, "side"))).isEqualTo("missing=0 extra=0");
            runOutputs.add(Files.readString(out).substring((int) from));
            ferry.terminate();
        }
        bigTopic.close();

        // Each restart named where it resumed each table under way; what the killed run had published of the table
        // beyond that row was read again: at most one chunk.
        Map<String, Long> reRead = new HashMap<>();
        java.util.TreeSet<Long> runSet = new java.util.TreeSet<>();
        ledgers.values().forEach(l -> runSet.addAll(l.lastRowByRun.keySet()));
        List<Long> runs = new ArrayList<>(runSet);
        assertThat(runs).as("runs that published snapshot reads").hasSize(6);
        for (String table : List.of("big", "side")) {
            SnapshotLedger ledger = ledgers.get(table);
            long resumedAt = 0;
            for (int run = 1; run < runOutputs.size(); run++) {
                long published = Math.max(resumedAt, ledger.lastRowByRun.getOrDefault(runs.get(run - 1), 0L));
                Matcher m = RESUMING.matcher(runOutputs.get(run));
                Long next = null;
                while (m.find()) {
                    if (m.group(1).equals(table)) {
                        next = Long.parseLong(m.group(2));
                        assertThat(Long.parseLong(m.group(3))).isEqualTo((next + CHUNK - 1) / CHUNK);
                    }
                }
                if (next == null) {
                    continue;
                }
                assertThat(published - next).as("%s rows re-read after kill %d", table, run).isBetween(0L, (long) CHUNK);
                reRead.merge(table, published - next, Long::sum);
                resumedAt = next;
            }
        }
        assertThat(String.join("", runOutputs)).doesNotContain("cannot resume");
        long resumes = runOutputs.stream().mapToLong(o -> RESUMING.matcher(o).results()
                .filter(r -> r.group(1).equals("big")).count()).sum();
        assertThat(resumes).as("kills that landed inside the copy of big").isEqualTo(5);
        System.out.printf("snapshot of %,d + %,d rows, 5 kills: rows re-read %s, %,d r events of big; kills took %d s,"
                        + " all %d s%n", SNAPSHOT_ROWS, SNAPSHOT_ROWS / 4, reRead, ledgers.get("big").reads,
                (killedAt - started) / 1_000_000_000, (System.nanoTime() - started) / 1_000_000_000);
    }

    private static SnapshotLedger ledger(String topic) {
        return new SnapshotLedger(TopicWatcher.drain(servers.bootstrapServers(), List.of(topic)));
    }

    private static Map<Long, String> sourceRows(String db, String table) throws Exception {
        Map<Long, String> rows = new HashMap<>();
        try (Connection c = servers.connect(db); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, version, note FROM " + table)) {
            while (rs.next()) {
                rows.put(rs.getLong(1), rs.getInt(2) + "/" + rs.getString(3));
            }
        }
        return rows;
    }

    /**
     * Updates rows around the point the copy of big has reached (the rows published so far, duplicates included, are
     * about the highest key read), and deletes and inserts now and then, until told to stop.
     */
    private static void hammer(String db, SnapshotLedger.Live bigTopic, AtomicBoolean going) {
        String update = "UPDATE big SET version = version + 1, note = 'u' || (version + 1) WHERE id = ANY (?)";
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int inserted = 0;
        try (Connection c = servers.connect(db); PreparedStatement ps = c.prepareStatement(update);
             Statement st = c.createStatement()) {
            while (going.get()) {
                long frontier = Math.min(SNAPSHOT_ROWS, bigTopic.count());
                Integer[] keys = new Integer[20];
                for (int i = 0; i < keys.length; i++) {
                    long k = frontier + random.nextLong(-3L * CHUNK, 3L * CHUNK);
                    keys[i] = (int) Math.max(1, Math.min(SNAPSHOT_ROWS, k));
                }
                ps.setArray(1, c.createArrayOf("int4", keys));
                ps.executeUpdate();
                if (random.nextInt(10) == 0) {
                    st.execute("DELETE FROM big WHERE id = " + keys[0]);
                    st.execute("INSERT INTO big VALUES (" + (SNAPSHOT_ROWS + ++inserted) + ", 1, 'late')");
                    st.execute("UPDATE side SET version = version + 1, note = 'u' WHERE id = "
                            + (1 + random.nextInt(SNAPSHOT_ROWS / 4)));
                }
                // Paced so that the source stays writable for the others sharing the machine.
                Thread.sleep(5);
            }
        } catch (Exception e) {
            throw new IllegalStateException("updates failed", e);
        }
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
