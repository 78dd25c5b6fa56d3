package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.cli.PipelineRunner;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import io.ferry.core.config.PipelineConfigParser;
import io.ferry.kafka.KafkaTestCluster;
import io.ferry.mysql.BinlogCatchUp;
import io.ferry.mysql.MySqlTestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry verify} on a MariaDB source started right after a burst of writes waits for capture to reach the
 * binlog end it read at its start, and then reports a match; it gets there too when the newest binlog
 * transactions touched only a table that is not captured (only the publisher's heartbeat puts such positions into
 * the offsets topic). With capture stopped, it times out saying so instead of comparing tables still in flight.
 */
class VerifyWaitsForBinlogCaptureIT {

    private static final String SOURCE = "vw_source";
    private static final String TARGET = "vw_target";
    private static final Pattern GOAL = Pattern.compile("catch up with the binlog at (\\S+):(\\d+) ");

    private static KafkaTestCluster kafka;
    private static MySqlTestServer mariadb;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        kafka = KafkaTestCluster.start(1);
        mariadb = MySqlTestServer.shared(MySqlTestServer.Flavor.MARIADB);
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    @Test
    void verifyWaitsUntilCaptureHasTheBinlogEndThenMatchesAndTimesOutWhenCaptureIsStopped() throws Exception {
        createDatabase(SOURCE);
        createDatabase(TARGET);
        mariadb.executeAsAdmin(
                "CREATE TABLE " + SOURCE + ".items (id int PRIMARY KEY, qty int, note varchar(60))",
                "CREATE TABLE " + SOURCE + ".audit (id int AUTO_INCREMENT PRIMARY KEY, what varchar(60))",
                "INSERT INTO " + SOURCE + ".items SELECT seq, seq, concat('snap ', seq) FROM seq_1_to_100");
        Path pipeline = Files.writeString(dir.resolve("vw.yaml"), "name: vw\n"
                + "source:\n" + section("mariadb", SOURCE)
                + "  tables: [" + SOURCE + ".items]\n"
                + "kafka:\n"
                + "  bootstrap-servers: " + kafka.bootstrapServers() + "\n"
                + "sink:\n" + section("mysql", TARGET));

        try (PipelineRunner runner = new PipelineRunner(new PipelineConfigParser().parse(pipeline),
                Duration.ofSeconds(10))) {
            runner.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> runner.failureMessage() != null
                    || "100".equals(queryOrNull("SELECT count(*) FROM " + TARGET + ".items")));
            assertThat(runner.failureMessage()).isNull();

            mariadb.executeAsAdmin(
                    "INSERT INTO " + SOURCE + ".items SELECT seq, seq, concat('burst ', seq) FROM seq_101_to_30000",
                    "UPDATE " + SOURCE + ".items SET qty = qty + 1 WHERE id % 7 = 0",
                    "DELETE FROM " + SOURCE + ".items WHERE id % 1000 = 3",
                    "INSERT INTO " + SOURCE + ".audit (what) VALUES ('burst written')");

            FerryProcess.Result verified = FerryProcess.run(dir, "verify", pipeline.toString(), "--timeout", "PT60S");
            System.out.println(verified.output());
            assertThat(verified.exitCode()).as(verified.output()).isZero();
            assertThat(verified.output())
                    .contains("waiting for the pipeline to catch up with the binlog at ")
                    .containsPattern("captured up to \\S+ after \\d+\\.\\d s")
                    .contains(SOURCE + ".items: match (29,970 rows, 3 chunks)");

            // Capture is idle with nothing open, and only a table it does not capture changes: no event will ever
            // carry these positions to Kafka, the heartbeat must.
            mariadb.executeAsAdmin("INSERT INTO " + SOURCE + ".audit (what) VALUES ('verified')",
                    "INSERT INTO " + SOURCE + ".audit (what) VALUES ('again')");
            BinlogCatchUp afterAudit = binlogEnd();
            FerryProcess.Result quiet = FerryProcess.run(dir, "verify", pipeline.toString(), "--timeout", "PT30S");
            System.out.println(quiet.output());
            assertThat(quiet.exitCode()).as(quiet.output()).isZero();
            assertThat(quiet.output())
                    .containsPattern("captured up to \\S+ after \\d+\\.\\d s")
                    .contains(SOURCE + ".items: match (29,970 rows, 3 chunks)");
            Matcher goal = GOAL.matcher(quiet.output());
            assertThat(goal.find()).as(quiet.output()).isTrue();
            assertThat(afterAudit.coveredBy(Map.of("file", goal.group(1), "pos", Long.parseLong(goal.group(2)),
                    "complete", false))).as("verify's goal %s:%s includes the last write", goal.group(1),
                    goal.group(2)).isTrue();
            assertThat(runner.failureMessage()).isNull();
        }

        // Capture is stopped: the row below never reaches Kafka, and verify must not compare as if it had.
        mariadb.executeAsAdmin("UPDATE " + SOURCE + ".items SET note = 'after stop' WHERE id = 1");
        FerryProcess.Result stalled = FerryProcess.run(dir, "verify", pipeline.toString(), "--timeout", "PT3S");
        assertThat(stalled.exitCode()).as(stalled.output()).isEqualTo(2);
        assertThat(stalled.output())
                .contains("ferry: the source's changes were not captured within 3 s: is `ferry run` running for pipeline vw?")
                .doesNotContain("match (");
    }

    private static void createDatabase(String name) {
        mariadb.executeAsAdmin("DROP DATABASE IF EXISTS " + name,
                "CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
        mariadb.grantAllOn(name, MySqlTestServer.USER);
    }

    private static String section(String type, String database) {
        return "  type: " + type + "\n"
                + "  host: " + mariadb.host() + "\n"
                + "  port: " + mariadb.port() + "\n"
                + "  database: " + database + "\n"
                + "  user: " + MySqlTestServer.USER + "\n"
                + "  password: " + MySqlTestServer.PASSWORD + "\n";
    }

    private static BinlogCatchUp binlogEnd() {
        return BinlogCatchUp.now(mariadb.sourceConfig(List.of(), SnapshotMode.NEVER));
    }

    private static String queryOrNull(String sql) {
        try {
            return mariadb.queryString(sql);
        } catch (IllegalStateException e) {
            return null;
        }
    }
}
