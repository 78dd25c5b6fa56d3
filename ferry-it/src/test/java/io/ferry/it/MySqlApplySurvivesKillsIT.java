package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.kafka.KafkaTestCluster;
import io.ferry.mysql.MySqlTestServer.Flavor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * MariaDB → Kafka → MariaDB, and MySQL 8 → Kafka → MySQL 8, with {@code ferry run} killed by SIGKILL at random
 * points while 100k {@code counter = counter + 1} changes commit: binlog capture and the MySQL sink both restart
 * mid-stream, and every target counter must equal its source counter, with a trigger witnessing that no update was
 * applied twice.
 */
@ParameterizedClass
@EnumSource(Flavor.class)
class MySqlApplySurvivesKillsIT {

    private static final int ROWS = 2_000;
    private static final int ROUNDS = 50;
    private static final int TX_ROWS = 400;
    private static final long CHANGES = (long) ROWS * ROUNDS;
    private static final String SOURCE = "mykills_source";
    private static final String TARGET = "mykills_target";

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

    MySqlApplySurvivesKillsIT(Flavor flavor) {
        mysql = new MySqlDatabases(flavor);
        name = "mykills2-" + mysql.type();
    }

    @Test
    void targetCountersEqualSourceCountersAfterFiveKills() throws Exception {
        mysql.create(SOURCE);
        mysql.create(TARGET);
        mysql.execute(SOURCE, "CREATE TABLE counters (id int PRIMARY KEY, counter bigint NOT NULL, note varchar(40))");
        mysql.execute(SOURCE, mysql.insertNumbered("counters", ROWS, "SELECT seq, 0, concat('row ', seq) FROM numbers"));
        // A witness of every update that does not move a counter forward: what a replayed change would do.
        mysql.execute(TARGET, "CREATE TABLE replays (id int, old_counter bigint, new_counter bigint)");
        Path pipeline = Files.writeString(dir.resolve(name + ".yaml"), "name: " + name + "\n"
                + "source:\n"
                + mysql.section(SOURCE)
                + "  tables: [" + SOURCE + ".counters]\n"
                + "kafka:\n"
                + "  bootstrap-servers: " + kafka.bootstrapServers() + "\n"
                + "sink:\n"
                + mysql.section(TARGET));

        Path log = dir.resolve("ferry.log");
        CompletableFuture<Void> workload = null;
        Random random = new Random(11);
        int kills = 0;
        while (kills < 5 || !workload.isDone()) {
            try (FerryProcess ferry = FerryProcess.start(log, "256m", "run", pipeline.toString())) {
                if (workload == null) {
                    // The snapshot has copied every row (counter 0) once the target holds them all.
                    await().atMost(Duration.ofSeconds(90)).until(() -> rows(TARGET) == ROWS || !ferry.isAlive());
                    mysql.execute(TARGET, "CREATE TRIGGER witness BEFORE UPDATE ON counters FOR EACH ROW BEGIN"
                            + " IF NEW.counter <= OLD.counter THEN"
                            + " INSERT INTO replays VALUES (OLD.id, OLD.counter, NEW.counter); END IF; END");
                    workload = CompletableFuture.runAsync(this::runWorkload);
                }
                long goal = Math.min(appliedChanges() + 3_000 + random.nextInt(14_000), CHANGES);
                await().atMost(Duration.ofSeconds(90)).until(() -> appliedChanges() >= goal || !ferry.isAlive());
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
            await().atMost(Duration.ofSeconds(120)).until(() -> appliedChanges() >= CHANGES || !ferry.isAlive());
            assertThat(ferry.isAlive()).as("ferry died by itself:\n%s", ferry.output()).isTrue();
            ferry.terminate();
        }

        Map<Integer, Long> expected = counters(SOURCE);
        Map<Integer, Long> actual = counters(TARGET);
        long replays = queryLong(TARGET, "SELECT count(*) FROM replays");
        System.out.println(mysql + " apply after " + kills + " kills: rows=" + actual.size() + " counters "
                + (expected.equals(actual) ? "equal" : "DIFFER") + ", replayed updates=" + replays);
        assertThat(actual).isEqualTo(expected);
        assertThat(expected.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(CHANGES);
        assertThat(replays).as("updates in the target that did not move a counter forward").isZero();
    }

    private long appliedChanges() throws SQLException {
        return queryLong(TARGET, "SELECT coalesce(sum(counter), 0) FROM counters");
    }

    private long rows(String db) {
        try {
            return queryLong(db, "SELECT count(*) FROM counters");
        } catch (SQLException e) {
            return -1; // not created yet
        }
    }

    private Map<Integer, Long> counters(String db) throws SQLException {
        Map<Integer, Long> out = new HashMap<>();
        try (Connection c = connect(db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id, counter FROM counters")) {
            while (rs.next()) {
                out.put(rs.getInt(1), rs.getLong(2));
            }
        }
        return out;
    }

    /** 100k changes: 50 rounds over the 2,000 rows, 400 rows per transaction, paced to last about 25 s. */
    private void runWorkload() {
        try (Connection c = connect(SOURCE); PreparedStatement ps = c.prepareStatement(
                "UPDATE counters SET counter = counter + 1, note = ? WHERE id BETWEEN ? AND ?")) {
            c.setAutoCommit(false);
            for (int round = 1; round <= ROUNDS; round++) {
                for (int first = 1; first <= ROWS; first += TX_ROWS) {
                    ps.setString(1, "round " + round);
                    ps.setInt(2, first);
                    ps.setInt(3, first + TX_ROWS - 1);
                    ps.executeUpdate();
                    c.commit();
                    Thread.sleep(100);
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("workload failed", e);
        }
    }

    private long queryLong(String db, String sql) throws SQLException {
        try (Connection c = connect(db); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private Connection connect(String db) throws SQLException {
        return mysql.connect(db);
    }
}
