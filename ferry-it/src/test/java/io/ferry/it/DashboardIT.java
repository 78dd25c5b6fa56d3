package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ferry.cli.PipelineRunner;
import io.ferry.cli.RunnerView;
import io.ferry.core.config.PipelineConfig;
import io.ferry.core.config.PipelineConfigParser;
import io.ferry.kafka.KafkaProcessCluster;
import io.ferry.ops.Operations;
import io.ferry.ops.PipelineStatus;
import io.ferry.ops.StatusText;
import io.ferry.postgres.PostgresTestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * The dashboard in a real headless Chromium during a live sync through a 3-broker cluster, each broker a process of
 * its own: its numbers move and match the API; when the process of a follower of a table partition is killed
 * (SIGKILL), {@code /metrics}, {@code ferry status} and the page flag the partition under-replicated, and the flag
 * clears once the broker is started again on its data and ports. Screenshots go to
 * {@code target/screenshots}.
 */
class DashboardIT {

    private static final String TOPIC = "dash.public.counters";
    private static final String FLAG = "ferry_partition_under_replicated{partition=\"0\",topic=\"" + TOPIC + "\"} ";
    private static final int ROWS = 300;
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");

    private static KafkaProcessCluster kafka;
    private static TestServers servers;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        kafka = KafkaProcessCluster.start(3, Map.of());
        servers = TestServers.with(kafka.bootstrapServers(), kafka);
    }

    @AfterAll
    static void stop() {
        servers.close();
    }

    @Test
    void dashboardFollowsALiveSyncAndFlagsAnUnderReplicatedPartition() throws Exception {
        String source = servers.createDatabase("dash_source");
        String target = servers.createDatabase("dash_target");
        servers.execute(source, "CREATE TABLE counters (id int PRIMARY KEY, counter bigint NOT NULL, note text)",
                "INSERT INTO counters SELECT g, 0, 'row ' || g FROM generate_series(1, " + ROWS + ") g");
        int port = PostgresTestServer.freePort();
        Path file = servers.pipeline(dir, "dash", source, "[public.counters]", servers.sinkYaml(target)
                + "http:\n  port: " + port + "\n");
        PipelineConfig config = new PipelineConfigParser().parse(file);
        String base = "http://127.0.0.1:" + port;
        OpsApi api = new OpsApi(base, null);
        Files.createDirectories(SCREENSHOTS);

        PipelineRunner runner = new PipelineRunner(config, Duration.ofSeconds(30));
        Operations ops = Operations.start(new RunnerView(runner), 500);
        AtomicBoolean writing = new AtomicBoolean(true);
        ChromeDriver browser = null;
        try {
            runner.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> runner.applied() >= ROWS);
            CompletableFuture<Long> workload = CompletableFuture.supplyAsync(() -> increments(source, writing));
            browser = HeadlessChromium.start();
            browser.get(base + "/");
            WebDriver page = browser;
            await().atMost(Duration.ofSeconds(20)).until(() -> text(page, "state").equals("RUNNING"));
            long shown = number(page, "applied");
            await().atMost(Duration.ofSeconds(20)).until(() -> number(page, "applied") > shown
                    && number(page, "apply-rate") > 0);
            await().atMost(Duration.ofSeconds(20)).until(() -> !rows(page, "partitions").isEmpty()
                    && rows(page, "snapshot").size() == 1);
            await().atMost(Duration.ofSeconds(5)).ignoreExceptions().untilAsserted(() ->
                    assertThat(rows(page, "snapshot").get(0).getText()).contains("public.counters", "done"));
            save(browser, "dashboard-live.png");

            writing.set(false);
            long made = workload.join();
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    servers.queryLong(target, "SELECT coalesce(sum(counter), 0) FROM counters") == made);
            // Quiet now: the page shows what the API says, to the event.
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
                JsonNode s = api.json("/pipelines/dash/status");
                assertThat(number(page, "applied")).isEqualTo(s.path("apply").path("events").asLong());
                assertThat(number(page, "captured")).isEqualTo(s.path("capture").path("events").asLong());
            });
            assertThat(number(page, "applied")).isEqualTo(ROWS + made);

            JsonNode partition = OpsApiIT.partition(api.json("/pipelines/dash/status"), TOPIC, 0);
            int leader = partition.path("leader").asInt();
            int follower = 0;
            for (JsonNode r : partition.path("replicas")) {
                if (r.asInt() != leader) {
                    follower = r.asInt();
                }
            }
            assertThat(partition.path("isr")).hasSize(3);
            assertThat(api.get("/metrics").body()).contains(FLAG + "0.0");

            kafka.kill(follower);
            await().atMost(Duration.ofSeconds(60)).until(() -> api.get("/metrics").body().contains(FLAG + "1.0"));
            assertThat(StatusText.render(PipelineStatus.read(config)))
                    .containsPattern(TOPIC + " +0 .*UNDER-REPLICATED")
                    .contains("ALERT partition_under_replicated: " + TOPIC + "-0");
            await().atMost(Duration.ofSeconds(10)).until(() -> underReplicatedRows(page) > 0);
            save(browser, "dashboard-under-replicated.png");

            kafka.restart(follower);
            await().atMost(Duration.ofSeconds(60)).until(() -> api.get("/metrics").body().contains(FLAG + "0.0"));
            // Each partition rejoins when its replica has caught up: wait for all of them.
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    assertThat(StatusText.render(PipelineStatus.read(config))).doesNotContain("UNDER-REPLICATED")
                            .contains("no alerts"));
            await().atMost(Duration.ofSeconds(10)).until(() -> underReplicatedRows(page) == 0);
        } finally {
            writing.set(false);
            if (browser != null) {
                browser.quit();
            }
            runner.close();
            ops.close();
        }
    }

    private static long increments(String database, AtomicBoolean writing) {
        long made = 0;
        java.util.Random random = new java.util.Random(5);
        try (Connection c = servers.connect(database);
             PreparedStatement ps = c.prepareStatement("UPDATE counters SET counter = counter + 1 WHERE id = ?")) {
            while (writing.get() || made < 300) {
                ps.setInt(1, 1 + random.nextInt(ROWS));
                ps.executeUpdate();
                made++;
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        return made;
    }

    private static String text(WebDriver page, String id) {
        return page.findElement(By.id(id)).getText().strip();
    }

    private static long number(WebDriver page, String id) {
        String t = text(page, id).replace(",", "");
        return t.matches("\\d+") ? Long.parseLong(t) : -1;
    }

    private static List<WebElement> rows(WebDriver page, String table) {
        return page.findElements(By.cssSelector("#" + table + " tbody tr"));
    }

    /** Counted in the page in one step: the table is drawn anew every second. */
    private static long underReplicatedRows(WebDriver page) {
        Object n = ((JavascriptExecutor) page).executeScript("return [...document.querySelectorAll("
                + "'#partitions tbody tr')].filter(r => r.dataset.topic === arguments[0] && r.dataset.partition === '0'"
                + " && r.className.startsWith('under-') && r.textContent.includes('UNDER-REPLICATED')).length", TOPIC);
        return ((Number) n).longValue();
    }

    private static void save(ChromeDriver browser, String name) throws java.io.IOException {
        Path shot = browser.getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(shot, SCREENSHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }
}
