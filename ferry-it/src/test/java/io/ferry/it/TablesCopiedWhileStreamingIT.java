package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ferry.cli.PipelineRunner;
import io.ferry.cli.RunnerView;
import io.ferry.core.config.PipelineConfigParser;
import io.ferry.ops.Operations;
import io.ferry.ops.StatusText;
import io.ferry.postgres.PostgresTestServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running PostgreSQL → Kafka → PostgreSQL pipeline copies named tables on request while it streams the others,
 * with no restart: a table tampered with at the target is copied again through the API and {@code ferry verify}
 * passes; a table added to the pipeline file joins through {@code ferry snapshot}. Only the named tables get new
 * {@code r} events, one per row.
 */
class TablesCopiedWhileStreamingIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int A_ROWS = 300;
    private static final int B_ROWS = 500;
    private static final int C_ROWS = 200;

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
    void namedTablesAreCopiedAgainOrJoinWhileTheOthersStream() throws Exception {
        String source = servers.createDatabase("adhoc_source");
        String target = servers.createDatabase("adhoc_target");
        servers.execute(source,
                "CREATE TABLE a (id int PRIMARY KEY, v text)",
                "INSERT INTO a SELECT g, 'a' || g FROM generate_series(1, " + A_ROWS + ") g",
                "CREATE TABLE b (id int PRIMARY KEY, v text, n numeric(10,2))",
                "INSERT INTO b SELECT g, 'b' || g, g * 1.5 FROM generate_series(1, " + B_ROWS + ") g",
                "CREATE TABLE c (id int PRIMARY KEY, v text)",
                "INSERT INTO c SELECT g, 'c' || g FROM generate_series(1, " + C_ROWS + ") g");
        int port = PostgresTestServer.freePort();
        String extra = servers.sinkYaml(target) + "http:\n  port: " + port + "\n";
        Path file = servers.pipeline(dir, "adhoc", source, "[public.a, public.b]", extra);
        OpsApi api = new OpsApi("http://127.0.0.1:" + port, null);

        PipelineRunner runner = new PipelineRunner(new PipelineConfigParser().parse(file), Duration.ofSeconds(30),
                file);
        Operations ops = Operations.start(new RunnerView(runner), 500);
        try {
            runner.start();
            // The sink creates the target tables with the first events.
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() ->
                    servers.queryLong(target, "SELECT count(*) FROM b") == B_ROWS
                            && servers.queryLong(target, "SELECT count(*) FROM a") == A_ROWS);

            // Behind Ferry's back: rows of b lost and altered at the target.
            servers.execute(target, "DELETE FROM b WHERE id % 50 = 0", "UPDATE b SET v = 'tampered' WHERE id % 7 = 0");
            assertThat(servers.queryLong(target, "SELECT count(*) FROM b")).isEqualTo(B_ROWS - B_ROWS / 50);

            // Asked while paused, the copy waits in the queue and the status says so.
            assertThat(api.call("PUT", "/pipelines/adhoc/pause", null).code()).isEqualTo(202);
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    api.json("/pipelines/adhoc/status").path("state").asText().equals("PAUSED"));
            OpsApi.Response queued = api.call("POST", "/pipelines/adhoc/snapshot", "{\"tables\": [\"public.b\"]}");
            assertThat(queued.code()).as(queued.body()).isEqualTo(202);
            assertThat(queued.json().path("queued").toString()).isEqualTo("[\"public.b\"]");
            JsonNode paused = api.json("/pipelines/adhoc/status");
            assertThat(paused.path("copies").toString())
                    .isEqualTo("[{\"table\":\"public.b\",\"state\":\"queued\",\"rows_done\":0}]");
            assertThat(StatusText.render(paused)).containsPattern("public\\.b +queued");

            // Tables that cannot be copied are refused, each naming the table and why.
            OpsApi.Response notCaptured = api.call("POST", "/pipelines/adhoc/snapshot", "{\"tables\": [\"c\"]}");
            assertThat(notCaptured.code()).isEqualTo(400);
            assertThat(notCaptured.json().path("message").asText()).isEqualTo("table \"public.c\" is not captured and"
                    + " source.tables in the pipeline file does not match it: add it to source.tables, then ask again");
            OpsApi.Response missing = api.call("POST", "/pipelines/adhoc/snapshot", "{\"tables\": [\"public.nope\"]}");
            assertThat(missing.code()).isEqualTo(400);
            assertThat(missing.json().path("message").asText()).startsWith("table \"public.nope\" does not exist at ");

            assertThat(api.call("PUT", "/pipelines/adhoc/resume", null).code()).isEqualTo(202);
            // Streaming goes on: a change of a made now arrives too.
            servers.execute(source, "UPDATE a SET v = 'streamed' WHERE id = 1");
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    api.json("/pipelines/adhoc/status").path("copies").isEmpty()
                            && servers.queryLong(target, "SELECT count(*) FROM b") == B_ROWS
                            && servers.queryLong(target, "SELECT count(*) FROM b WHERE v = 'tampered'") == 0
                            && servers.queryLong(target, "SELECT count(*) FROM a WHERE v = 'streamed'") == 1);

            // c added to the pipeline file joins on request, without a restart.
            servers.pipeline(dir, "adhoc", source, "[public.a, public.b, public.c]", extra);
            FerryProcess.Result asked = FerryInProcess.run("snapshot", file.toString(), "--tables", "public.c");
            assertThat(asked.exitCode()).as(asked.output()).isZero();
            assertThat(asked.output()).contains("[adhoc] copying public.c while streaming goes on");
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() ->
                    servers.queryLong(target, "SELECT count(*) FROM c") == C_ROWS);
            servers.execute(source, "INSERT INTO c VALUES (" + (C_ROWS + 1) + ", 'after the join')");
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    servers.queryLong(target, "SELECT count(*) FROM c") == C_ROWS + 1);
            // One verify for both: b's repair and c's join (verify compares every table the file names).
            FerryProcess.Result verified = FerryInProcess.run("verify", file.toString(), "--timeout", "PT60S");
            assertThat(verified.exitCode()).as(verified.output()).isZero();
            assertThat(verified.output()).contains("public.a: match", "public.b: match", "public.c: match");
            assertThat(runner.failureMessage()).isNull();
        } finally {
            runner.close();
            ops.close();
        }

        // a was never named: only its first snapshot's r events. b: the snapshot's, then one per row again.
        Map<String, Integer> reads = readsPerTopic(List.of("adhoc.public.a", "adhoc.public.b", "adhoc.public.c"));
        assertThat(reads).containsEntry("adhoc.public.a", A_ROWS).containsEntry("adhoc.public.b", 2 * B_ROWS)
                .containsEntry("adhoc.public.c", C_ROWS);

        FerryProcess.Result down = FerryInProcess.run("snapshot", file.toString(), "--tables", "public.b");
        assertThat(down.exitCode()).isEqualTo(1);
        assertThat(down.output()).contains("ferry: pipeline adhoc is not running (no ferry run of it answers at"
                + " http://127.0.0.1:" + port + ")");
    }

    /** The number of {@code r} events in each topic, from its beginning. */
    private static Map<String, Integer> readsPerTopic(List<String> topics) throws IOException {
        Map<String, Integer> out = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : TopicWatcher.drain(servers.bootstrapServers(), topics)) {
            if (r.value() == null) {
                continue;
            }
            JsonNode v = JSON.readTree(new String(r.value(), StandardCharsets.UTF_8));
            if ("r".equals(v.path("op").asText())) {
                out.merge(r.topic(), 1, Integer::sum);
            }
        }
        return out;
    }
}
