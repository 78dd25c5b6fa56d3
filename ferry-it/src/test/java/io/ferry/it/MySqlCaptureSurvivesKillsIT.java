package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.kafka.KafkaTestCluster;
import io.ferry.mysql.MySqlTestServer;
import io.ferry.mysql.MySqlTestServer.Flavor;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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
 * Before that, the initial snapshot of a prefilled table ({@value #SNAPSHOT_ROWS} rows, {@code -Dferry.it.snapshot.rows}
 * for more) is killed 5 times while updates hammer the keys being read: each restart resumes at the chunk it was in
 * (re-reading at most one chunk, as its log line and the topic show), and the topic's rows end equal to the source's.
 */
@ParameterizedClass
@EnumSource(Flavor.class)
class MySqlCaptureSurvivesKillsIT {

    private static final int CHANGES = 100_000;
    private static final int TX_ROWS = 750;
    private static final int KEYS = 5_000;
    private static final int SNAPSHOT_ROWS = 200_000;
    private static final int CHUNK_ROWS = 5_000;
    private static final Pattern RESUMED = Pattern.compile("Resuming snapshot of " + Pattern.quote(
            MySqlTestServer.DATABASE + ".prefilled") + " after (\\d+) row\\(s\\) \\((\\d+) chunk\\(s\\) done\\)");
    private static final ObjectMapper JSON = new ObjectMapper();

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
        int snapshotRows = Integer.getInteger("ferry.it.snapshot.rows", SNAPSHOT_ROWS);
        mysql.execute(MySqlTestServer.DATABASE, "CREATE TABLE ledger (id int PRIMARY KEY, seq bigint NOT NULL,"
                + " version int NOT NULL, note varchar(40))",
                "CREATE TABLE prefilled (id int PRIMARY KEY, v int NOT NULL, note varchar(20))");
        mysql.execute(MySqlTestServer.DATABASE, mysql.insertNumbered("prefilled", snapshotRows,
                "SELECT seq, 0, concat('row ', seq) FROM numbers"));
        Path pipeline = Files.writeString(dir.resolve(name + ".yaml"), "name: " + name + "\n"
                + "source:\n"
                + mysql.section(MySqlTestServer.DATABASE)
                + "  tables: [" + MySqlTestServer.DATABASE + ".ledger, " + MySqlTestServer.DATABASE + ".prefilled]\n"
                + "  snapshot-chunk-rows: " + CHUNK_ROWS + "\n"
                + "kafka:\n"
                + "  bootstrap-servers: " + kafka.bootstrapServers() + "\n");
        String topic = name + "." + MySqlTestServer.DATABASE + ".ledger";
        String prefilled = name + "." + MySqlTestServer.DATABASE + ".prefilled";
        Path log = dir.resolve("ferry.log");
        Random random = new Random(7);

        long started = System.nanoTime();
        TopicWatcher snapshot = TopicWatcher.start(kafka.bootstrapServers(), List.of(prefilled));
        AtomicBoolean hammering = new AtomicBoolean(true);
        CompletableFuture<Void> hammer = CompletableFuture.runAsync(() -> hammer(snapshot, snapshotRows, hammering));
        for (int kill = 1; kill <= 5; kill++) {
            try (FerryProcess ferry = FerryProcess.start(log, "256m", "run", pipeline.toString())) {
                long target = snapshot.count() + 2L * CHUNK_ROWS + random.nextInt(CHUNK_ROWS);
                await().atMost(Duration.ofSeconds(90)).until(() -> snapshot.count() >= target || !ferry.isAlive());
                assertThat(ferry.isAlive()).as("ferry died by itself:\n%s", ferry.output()).isTrue();
                assertThat(snapshotDone(name)).as("the snapshot ended before kill %d", kill).isFalse();
                ferry.kill();
            }
        }
        hammering.set(false);
        hammer.join();
        snapshot.close();
        System.out.println(mysql + ": 5 kills inside the snapshot of " + snapshotRows + " rows took "
                + (System.nanoTime() - started) / 1_000_000 + " ms");

        TopicWatcher watcher = TopicWatcher.start(kafka.bootstrapServers(), List.of(topic));
        CompletableFuture<Void> workload = null;
        int kills = 0;
        while (kills < 5 || !workload.isDone()) {
            try (FerryProcess ferry = FerryProcess.start(log, "256m", "run", pipeline.toString())) {
                if (workload == null) {
                    // Changes count from the end of the snapshot on: rows committed before it are snapshot reads.
                    await().atMost(Duration.ofSeconds(60 + snapshotRows / 5_000))
                            .until(() -> snapshotDone(name) || !ferry.isAlive());
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

        List<ConsumerRecord<byte[], byte[]>> records = TopicWatcher.drain(kafka.bootstrapServers(), List.of(prefilled));
        assertThat(copyAgainstSource(records)).isEqualTo("missing=0 extra=0 differing=0");
        List<long[]> resumed = new ArrayList<>();
        String logText = Files.readString(log);
        Matcher m = RESUMED.matcher(logText);
        while (m.find()) {
            resumed.add(new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))});
        }
        List<long[]> restarts = snapshotRestarts(records);
        assertThat(resumed).as("one resume line per kill inside the snapshot; the log's snapshot lines:%n%s",
                logText.lines().filter(l -> l.contains("napshot") || l.contains("WARN") || l.contains("ERROR"))
                        .collect(java.util.stream.Collectors.joining("\n"))).hasSize(5);
        assertThat(restarts).hasSize(5);
        for (int i = 0; i < 5; i++) {
            long after = resumed.get(i)[0];
            long reread = restarts.get(i)[0] - after;
            System.out.println(mysql + " kill " + (i + 1) + ": resumed after " + after + " row(s) ("
                    + resumed.get(i)[1] + " chunk(s)), " + reread + " row(s) read again");
            assertThat(restarts.get(i)[1]).as("kill %d: the first row after the restart", i + 1).isEqualTo(after + 1);
            assertThat(resumed.get(i)[1]).isEqualTo(after / CHUNK_ROWS);
            assertThat(reread).as("kill %d: rows read again", i + 1).isBetween(0L, (long) CHUNK_ROWS);
        }
    }

    /** Updates rows at and just ahead of the snapshot's read point until told to stop. */
    private void hammer(TopicWatcher snapshot, int rows, AtomicBoolean going) {
        Random random = new Random(11);
        try (Connection c = mysql.server().connect();
             PreparedStatement ps = c.prepareStatement("UPDATE prefilled SET v = v + 1, note = concat('hammer ', v)"
                     + " WHERE id BETWEEN ? AND ?")) {
            while (going.get()) {
                long at = snapshot.count() % rows + random.nextInt(2 * CHUNK_ROWS) - CHUNK_ROWS / 2;
                ps.setLong(1, at);
                ps.setLong(2, at + 20);
                ps.executeUpdate();
                // Paced so the server keeps time for the snapshot's own reads on two cores.
                Thread.sleep(5);
            }
        } catch (Exception e) {
            throw new IllegalStateException("hammer failed", e);
        }
    }

    /** The table topic's rows (last image per key) against the source table: what is missing, extra, different. */
    private String copyAgainstSource(List<ConsumerRecord<byte[], byte[]>> records) throws Exception {
        Map<Long, String> copy = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            if (r.value() == null) {
                continue;
            }
            JsonNode e = JSON.readTree(r.value());
            String op = e.path("op").asText();
            if (op.equals("d")) {
                copy.remove(e.get("before").get("id").asLong());
            } else if (op.equals("t")) {
                copy.clear();
            } else {
                JsonNode after = e.get("after");
                copy.put(after.get("id").asLong(), after.get("v").asLong() + "|" + after.get("note").asText());
            }
        }
        long missing = 0;
        long differing = 0;
        long seen = 0;
        try (Connection c = mysql.server().connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id, v, note FROM prefilled")) {
            while (rs.next()) {
                seen++;
                String mine = copy.get(rs.getLong(1));
                if (mine == null) {
                    missing++;
                } else if (!mine.equals(rs.getLong(2) + "|" + rs.getString(3))) {
                    differing++;
                }
            }
        }
        return "missing=" + missing + " extra=" + (copy.size() - (seen - missing)) + " differing=" + differing;
    }

    /**
     * Where each restart of the snapshot began in the topic: per restart, the last {@code snapshot_rows} the killed
     * run committed and the first one the next run published.
     */
    private static List<long[]> snapshotRestarts(List<ConsumerRecord<byte[], byte[]>> records) throws Exception {
        List<long[]> out = new ArrayList<>();
        long last = 0;
        long run = 0;
        for (ConsumerRecord<byte[], byte[]> r : records) {
            JsonNode e = r.value() == null ? null : JSON.readTree(r.value());
            if (e == null || !e.path("op").asText().equals("r")) {
                continue;
            }
            // Each run stamps its snapshot reads with the time its reading began.
            long readAt = e.get("source").get("ts_us").asLong();
            long n = e.get("source").get("snapshot_rows").asLong();
            if (run != 0 && readAt != run) {
                out.add(new long[] {last, n});
            }
            run = readAt;
            last = n;
        }
        return out;
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
