package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ferry.cli.PipelineRunner;
import io.ferry.cli.RunnerView;
import io.ferry.core.config.PipelineConfig;
import io.ferry.core.config.PipelineConfigParser;
import io.ferry.ops.Operations;
import io.ferry.ops.PipelineStatus;
import io.ferry.ops.StatusText;
import io.ferry.postgres.PostgresTestServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry run}'s HTTP API, metrics and {@code ferry status} against a live PostgreSQL → Kafka → PostgreSQL
 * sync: every endpoint, the token on a non-loopback bind, offsets refused while running, a pause and resume under
 * load that loses nothing and applies nothing twice (a target trigger witnesses any replay), and KIP-875's stop:
 * connections released, offsets patched (and checked) or reset while stopped, resumed from them.
 */
class OpsApiIT {

    private static final String TOKEN = "opsapi-token-123";
    private static final int ROWS = 200;

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
    void everyEndpointDescribesAndSteersALiveSync() throws Exception {
        String source = servers.createDatabase("opsapi_source");
        String target = servers.createDatabase("opsapi_target");
        servers.execute(source, "CREATE TABLE counters (id int PRIMARY KEY, counter bigint NOT NULL)",
                "INSERT INTO counters SELECT g, 0 FROM generate_series(1, " + ROWS + ") g");
        servers.execute(target, "CREATE TABLE counters (id int PRIMARY KEY, counter bigint)",
                "CREATE TABLE replays (id int, old_counter bigint, new_counter bigint)",
                "CREATE FUNCTION witness() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                        + " IF NEW.counter <= OLD.counter THEN"
                        + " INSERT INTO replays VALUES (OLD.id, OLD.counter, NEW.counter); END IF; RETURN NEW; END $$",
                "CREATE TRIGGER witness BEFORE UPDATE ON counters FOR EACH ROW EXECUTE FUNCTION witness()");
        int port = PostgresTestServer.freePort();
        Path file = servers.pipeline(dir, "opsapi", source, "[public.counters]", servers.sinkYaml(target)
                + "http:\n  bind: 0.0.0.0\n  port: " + port + "\n  auth-token: " + TOKEN + "\n");
        PipelineConfig config = new PipelineConfigParser().parse(file);
        OpsApi api = new OpsApi("http://127.0.0.1:" + port, TOKEN);

        PipelineRunner runner = new PipelineRunner(config, Duration.ofSeconds(30));
        Operations ops = Operations.start(new RunnerView(runner), 500);
        AtomicBoolean writing = new AtomicBoolean(true);
        CompletableFuture<Long> workload = null;
        try {
            runner.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> runner.applied() >= ROWS);
            workload = CompletableFuture.supplyAsync(() -> increments(source, writing));

            // Without the token, or with a wrong one, nothing answers but 401 in JSON.
            OpsApi.Response anonymous = api.withToken(null).get("/pipelines");
            assertThat(anonymous.code()).isEqualTo(401);
            assertThat(anonymous.json().path("error_code").asInt()).isEqualTo(401);
            assertThat(api.withToken("wrong").get("/metrics").code()).isEqualTo(401);

            assertThat(api.json("/pipelines").toString()).isEqualTo("[\"opsapi\"]");
            JsonNode described = api.json("/pipelines/opsapi");
            assertThat(described.path("source").path("database").asText()).isEqualTo(source);

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                JsonNode s = api.json("/pipelines/opsapi/status");
                assertThat(s.path("state").asText()).isEqualTo("RUNNING");
                assertThat(s.path("capture").path("events").asLong()).isGreaterThan(ROWS);
                assertThat(s.path("apply").path("events").asLong()).isGreaterThan(ROWS);
                assertThat(s.path("apply").path("events_per_second").asDouble()).isPositive();
                assertThat(s.path("latency_ms").path("transactions").asLong()).isPositive();
                assertThat(s.path("snapshot").get(0).path("table").asText()).isEqualTo("public.counters");
                assertThat(s.path("snapshot").get(0).path("done").asBoolean()).isTrue();
                assertThat(s.path("source_log").path("retained_bytes").asLong()).isPositive();
                JsonNode partition = partition(s, "opsapi.public.counters", 0);
                assertThat(partition.path("leader").asInt()).isNotNegative();
                assertThat(partition.path("high_watermark").asLong()).isPositive();
                assertThat(partition.path("last_stable_offset").asLong()).isLessThanOrEqualTo(
                        partition.path("high_watermark").asLong());
                assertThat(partition.path("committed").asLong()).isPositive();
                assertThat(s.path("conditions")).isEmpty();
            });

            OpsApi.Response missing = api.get("/pipelines/other/status");
            assertThat(missing.code()).isEqualTo(404);
            assertThat(missing.json().path("message").asText()).contains("no pipeline named 'other'");
            assertThat(api.call("DELETE", "/pipelines/opsapi/status", null).code()).isEqualTo(405);

            String metrics = api.get("/metrics").body();
            assertThat(metrics).contains("# HELP ferry_capture_events_total Changes captured and committed to Kafka",
                    "# TYPE ferry_end_to_end_latency_seconds histogram", "ferry_end_to_end_latency_seconds_bucket{le=",
                    "ferry_partition_high_watermark{partition=\"0\",topic=\"opsapi.public.counters\"}",
                    "ferry_partition_under_replicated{partition=\"0\",topic=\"opsapi.public.counters\"} 0.0",
                    "ferry_snapshot_rows_scanned_total{table=\"public.counters\"} " + ROWS + ".0",
                    "ferry_snapshot_completed 1.0", "ferry_filtered_events_total 0.0", "ferry_dead_letter_events_total 0.0");
            assertThat(value(metrics, "ferry_apply_events_total")).isGreaterThan(ROWS);
            assertThat(value(metrics, "ferry_source_retained_log_bytes")).isPositive();

            JsonNode offsets = api.json("/pipelines/opsapi/offsets").path("offsets");
            assertThat(offsets.get(0).path("partition").path("pipeline").asText()).isEqualTo("opsapi");
            assertThat(offsets.get(0).path("offset").size()).isPositive();
            assertThat(offsets.get(1).path("partition").path("kafka_topic").asText()).isEqualTo("opsapi.public.counters");
            // KIP-875: offsets change only while the pipeline is stopped.
            OpsApi.Response patch = api.call("PATCH", "/pipelines/opsapi/offsets", "{\"offsets\":[]}");
            assertThat(patch.code()).isEqualTo(409);
            assertThat(patch.json().path("message").asText()).contains("only while the pipeline is stopped");
            assertThat(api.call("DELETE", "/pipelines/opsapi/offsets", null).code()).isEqualTo(409);
            // Copies while streaming have their own IT (TablesCopiedWhileStreamingIT); here only a refusal, which
            // copies nothing (a copy of counters would look like replays to the witness).
            OpsApi.Response snapshot = api.call("POST", "/pipelines/opsapi/snapshot", "{\"tables\":[\"public.nope\"]}");
            assertThat(snapshot.code()).isEqualTo(400);
            assertThat(snapshot.json().path("message").asText()).startsWith("table \"public.nope\" does not exist");

            // Live ferry status reads the API.
            FerryProcess.Result live = FerryProcess.run(dir, "status", file.toString());
            assertThat(live.output()).contains("pipeline opsapi: RUNNING (live, from ferry run)",
                    "opsapi.public.counters", "no alerts");
            assertThat(live.exitCode()).isZero();

            // Pause under load: nothing reaches the target while paused; resume loses nothing, replays nothing.
            assertThat(api.call("PUT", "/pipelines/opsapi/pause", null).code()).isEqualTo(202);
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    api.json("/pipelines/opsapi/status").path("state").asText().equals("PAUSED"));
            long frozen = servers.queryLong(target, "SELECT sum(counter) FROM counters");
            await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5)).until(() ->
                    servers.queryLong(target, "SELECT sum(counter) FROM counters") == frozen);
            assertThat(servers.queryLong(source, "SELECT sum(counter) FROM counters")).isGreaterThan(frozen);
            assertThat(api.call("PUT", "/pipelines/opsapi/resume", null).code()).isEqualTo(202);
            assertThat(api.call("POST", "/pipelines/opsapi/restart", null).code()).isEqualTo(202);
            writing.set(false);
            long made = workload.join();
            assertThat(made).isPositive();
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    servers.queryLong(target, "SELECT sum(counter) FROM counters") == made);
            assertThat(servers.queryLong(target, "SELECT count(*) FROM counters c WHERE counter <> 0")).isPositive();
            assertThat(servers.queryLong(target, "SELECT count(*) FROM replays")).isZero();

            // KIP-875's stop: both halves end and let go of the slot, the group and the target; the API stays.
            assertThat(api.call("PUT", "/pipelines/opsapi/stop", null).code()).isEqualTo(202);
            JsonNode stoppedStatus = api.json("/pipelines/opsapi/status");
            assertThat(stoppedStatus.path("state").asText()).isEqualTo("STOPPED");
            long appliedAtStop = runner.applied();
            assertThat(stoppedStatus.path("apply").path("events").asLong()).as("counted once while stopped")
                    .isEqualTo(appliedAtStop).isGreaterThan(ROWS);
            await().atMost(Duration.ofSeconds(10)).until(() -> servers.queryLong(source,
                    "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'ferry_opsapi' AND active") == 0);
            assertThat(servers.queryLong(source, "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + target
                    + "' AND application_name = 'ferry-sink'")).as("no target connection").isZero();
            servers.execute(source, "UPDATE counters SET counter = counter + 1 WHERE id <= 10");
            long stopped = servers.queryLong(target, "SELECT sum(counter) FROM counters");
            assertThat(stopped).isEqualTo(made);

            // While stopped, PATCH takes a table partition's applied offset within the topic, and nothing else.
            String topicOffset = "SELECT next_offset FROM ferry_offsets WHERE topic = 'opsapi.public.counters'";
            long stored = servers.queryLong(target, topicOffset);
            long end = partition(api.json("/pipelines/opsapi/status"), "opsapi.public.counters", 0)
                    .path("high_watermark").asLong();
            OpsApi.Response past = api.call("PATCH", "/pipelines/opsapi/offsets", alter("opsapi.public.counters", end + 1));
            assertThat(past.code()).isEqualTo(400);
            assertThat(past.json().path("message").asText()).contains("past the end of opsapi.public.counters-0");
            assertThat(api.call("PATCH", "/pipelines/opsapi/offsets", alter("opsapi.ferry-offsets", 0)).code())
                    .isEqualTo(400);
            assertThat(api.call("PATCH", "/pipelines/opsapi/offsets",
                    "{\"offsets\":[{\"partition\":{\"pipeline\":\"opsapi\"},\"offset\":{\"lsn\":\"0/0\"}}]}")
                    .json().path("message").asText()).contains("source position cannot be set");
            assertThat(servers.queryLong(target, topicOffset)).isEqualTo(stored);
            OpsApi.Response altered = api.call("PATCH", "/pipelines/opsapi/offsets", alter("opsapi.public.counters",
                    stored - 50));
            assertThat(altered.code()).as(altered.body()).isEqualTo(200);
            assertThat(servers.queryLong(target, topicOffset)).isEqualTo(stored - 50);

            // Resumed, apply starts from the patched offset: the 50 records before the stop come again (the
            // witness sees them go back), then everything after; the copy converges.
            assertThat(api.call("PUT", "/pipelines/opsapi/resume", null).code()).isEqualTo(202);
            await().atMost(Duration.ofSeconds(60)).until(() -> servers.queryLong(target,
                    "SELECT sum(counter) FROM counters") == made + 10);
            assertThat(servers.queryLong(target, "SELECT count(*) FROM replays")).isPositive();
            assertThat(runner.applied()).as("counters go on across a stop").isGreaterThan(appliedAtStop + 10);
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    api.json("/pipelines/opsapi/status").path("state").asText().equals("RUNNING"));

            // DELETE resets while stopped, as ferry reset does: resumed, a new snapshot fills the emptied table.
            assertThat(api.call("DELETE", "/pipelines/opsapi/offsets", null).code()).isEqualTo(409);
            assertThat(api.call("PUT", "/pipelines/opsapi/stop", null).code()).isEqualTo(202);
            servers.execute(target, "DELETE FROM replays", "DROP TRIGGER witness ON counters");
            OpsApi.Response reset = api.call("DELETE", "/pipelines/opsapi/offsets", null);
            assertThat(reset.code()).as(reset.body()).isEqualTo(200);
            assertThat(reset.json().path("removed").toString()).contains("ferry_opsapi", "opsapi.public.counters");
            assertThat(servers.queryLong(target, "SELECT count(*) FROM counters")).as("emptied").isZero();
            assertThat(servers.queryLong(source, "SELECT count(*) FROM pg_replication_slots WHERE slot_name ="
                    + " 'ferry_opsapi'")).isZero();
            assertThat(api.call("PUT", "/pipelines/opsapi/resume", null).code()).isEqualTo(202);
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    servers.queryLong(target, "SELECT count(*) FROM counters") == ROWS
                            && servers.queryLong(target, "SELECT sum(counter) FROM counters") == made + 10);

            // No response carries a password or the token.
            for (String path : new String[] {"/pipelines/opsapi", "/pipelines/opsapi/status", "/pipelines/opsapi/offsets",
                    "/metrics"}) {
                assertThat(api.get(path).body()).doesNotContain(PostgresTestServer.PASSWORD).doesNotContain(TOKEN);
            }
        } finally {
            writing.set(false);
            runner.close();
            ops.close();
        }

        // With ferry run down, ferry status reads the durable state (in this JVM: the command ran above).
        String down = StatusText.render(PipelineStatus.read(config));
        assertThat(down).contains("pipeline opsapi: NOT RUNNING (from durable state)", "committed {",
                "opsapi.public.counters", "target offsets (ferry_offsets)", "opsapi.public.counters-0 next ");
    }

    /** A PATCH body setting partition 0 of {@code topic} to {@code offset}. */
    private static String alter(String topic, long offset) {
        return "{\"offsets\":[{\"partition\":{\"kafka_topic\":\"" + topic + "\",\"kafka_partition\":0},"
                + "\"offset\":{\"kafka_offset\":" + offset + "}}]}";
    }

    /** Increments random counters, one per transaction, until told to stop; returns how many it made. */
    private static long increments(String database, AtomicBoolean writing) {
        long made = 0;
        java.util.Random random = new java.util.Random(3);
        try (java.sql.Connection c = servers.connect(database);
             java.sql.PreparedStatement ps = c.prepareStatement("UPDATE counters SET counter = counter + 1 WHERE id = ?")) {
            while (writing.get() || made < 500) {
                ps.setInt(1, 1 + random.nextInt(ROWS));
                ps.executeUpdate();
                made++;
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        return made;
    }

    static JsonNode partition(JsonNode status, String topic, int partition) {
        for (JsonNode p : status.path("partitions")) {
            if (p.path("topic").asText().equals(topic) && p.path("partition").asInt() == partition) {
                return p;
            }
        }
        throw new AssertionError("no partition " + topic + "-" + partition + " in " + status.path("partitions"));
    }

    /** The value of an unlabelled sample in a Prometheus exposition. */
    static double value(String metrics, String name) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1).strip());
            }
        }
        throw new AssertionError("no sample " + name + " in\n" + metrics);
    }
}
