package io.ferry.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ferry.core.Secret;
import io.ferry.core.config.HttpConfig;
import io.ferry.core.health.Part;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The routes, the token check and the served files, on a pipeline without servers behind it. */
class OpsServerTest {

    private final HttpClient client = HttpClient.newHttpClient();

    @Test
    void routesAnswerInKafkaConnectsShapeWithJsonErrors() throws Exception {
        FakePipeline p = new FakePipeline(new HttpConfig(true, "127.0.0.1", 0, null));
        try (Operations ops = Operations.start(p, 60_000)) {
            String base = "http://127.0.0.1:" + ops.address().getPort();
            assertThat(send("GET", base + "/pipelines", null).body()).isEqualTo("[\"shop\"]");
            JsonNode described = json(send("GET", base + "/pipelines/shop", null));
            assertThat(described.path("source").path("host").asText()).isEqualTo("db.internal");
            assertThat(described.toString()).doesNotContain("source-password");

            p.captured.set(1234);
            JsonNode status = json(send("GET", base + "/pipelines/shop/status", null));
            assertThat(status.path("state").asText()).isEqualTo("RUNNING");
            assertThat(status.path("capture").path("events").asLong()).isEqualTo(1234);
            assertThat(status.path("apply").isNull()).isTrue();
            assertThat(status.path("snapshot").get(0).path("rows_done").asLong()).isEqualTo(250);
            assertThat(status.path("snapshot").get(0).path("chunk_rows").asInt()).isEqualTo(10);
            assertThat(status.path("snapshot").get(0).path("chunks_done").asLong()).isEqualTo(25);

            assertThat(send("PUT", base + "/pipelines/shop/pause", null).statusCode()).isEqualTo(202);
            assertThat(p.paused).isTrue();
            assertThat(json(send("GET", base + "/pipelines/shop/status", null)).path("state").asText()).isEqualTo("PAUSED");
            assertThat(send("PUT", base + "/pipelines/shop/resume", null).statusCode()).isEqualTo(202);
            assertThat(p.paused).isFalse();
            assertThat(send("POST", base + "/pipelines/shop/restart", null).statusCode()).isEqualTo(202);
            assertThat(p.restarts).isEqualTo(1);

            HttpResponse<String> wrongMethod = send("POST", base + "/pipelines/shop/pause", null);
            assertThat(wrongMethod.statusCode()).isEqualTo(405);
            assertThat(wrongMethod.headers().firstValue("Allow")).hasValue("PUT");
            assertThat(json(wrongMethod).path("error_code").asInt()).isEqualTo(405);
            assertThat(json(send("GET", base + "/nothing", null)).path("error_code").asInt()).isEqualTo(404);
            HttpResponse<String> queued = send("POST", base + "/pipelines/shop/snapshot", "{\"tables\":[\"public.orders\"]}");
            assertThat(queued.statusCode()).isEqualTo(202);
            assertThat(json(queued).path("queued").toString()).isEqualTo("[\"public.orders\"]");
            assertThat(p.snapshotRequests).containsExactly(List.of("public.orders"));
            HttpResponse<String> refused = send("POST", base + "/pipelines/shop/snapshot", "{\"tables\":[\"other.t\"]}");
            assertThat(refused.statusCode()).isEqualTo(400);
            assertThat(json(refused).path("message").asText()).isEqualTo("table \"other.t\" is not captured");
            HttpResponse<String> malformed = send("POST", base + "/pipelines/shop/snapshot", "{\"table\":\"x\"}");
            assertThat(malformed.statusCode()).isEqualTo(400);
            assertThat(json(malformed).path("message").asText()).contains("no \"tables\" array");
            assertThat(send("GET", base + "/pipelines/shop/snapshot", null).statusCode()).isEqualTo(405);
            assertThat(p.snapshotRequests).hasSize(2);
            HttpResponse<String> running = send("PATCH", base + "/pipelines/shop/offsets", "{}");
            assertThat(running.statusCode()).isEqualTo(409);
            assertThat(json(running).path("message").asText()).contains("stop it first with PUT /pipelines/shop/stop");
            assertThat(send("DELETE", base + "/pipelines/shop/offsets", null).statusCode()).isEqualTo(409);
            assertThat(send("PUT", base + "/pipelines/shop/stop", null).statusCode()).isEqualTo(202);
            assertThat(json(send("GET", base + "/pipelines/shop/status", null)).path("state").asText())
                    .isEqualTo("STOPPED");
            assertThat(send("GET", base + "/metrics", null).body()).contains("ferry_stopped 1.0");
            HttpResponse<String> reset = send("DELETE", base + "/pipelines/shop/offsets", null);
            assertThat(reset.statusCode()).isEqualTo(200);
            assertThat(json(reset).path("removed").get(0).asText()).isEqualTo("source: replication slot ferry_shop");
            HttpResponse<String> noSink = send("PATCH", base + "/pipelines/shop/offsets", "{\"offsets\":[]}");
            assertThat(noSink.statusCode()).isEqualTo(400);
            assertThat(json(noSink).path("message").asText()).contains("no sink");
            assertThat(send("PUT", base + "/pipelines/shop/resume", null).statusCode()).isEqualTo(202);
            assertThat(p.stopped).isFalse();
        }
    }

    @Test
    void servesTheDashboardAndItsChartLibraryFromTheJar() throws Exception {
        try (Operations ops = Operations.start(new FakePipeline(new HttpConfig(true, "127.0.0.1", 0, null)), 60_000)) {
            String base = "http://127.0.0.1:" + ops.address().getPort();
            HttpResponse<String> page = send("GET", base + "/", null);
            assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
            assertThat(page.body()).contains("<script src=\"/vendor/uPlot.iife.min.js\"></script>")
                    .doesNotContain("https://");
            assertThat(send("GET", base + "/vendor/uPlot.iife.min.js", null).body()).contains("uPlot");
            assertThat(send("GET", base + "/dashboard/dashboard.js", null).statusCode()).isEqualTo(200);
            assertThat(send("GET", base + "/dashboard/../../../etc/passwd", null).statusCode()).isEqualTo(404);
        }
    }

    @Test
    void aTokenGuardsEveryRouteIncludingMetricsAndTheDashboard() throws Exception {
        FakePipeline p = new FakePipeline(new HttpConfig(true, "127.0.0.1", 0, new Secret("s3cr3t")));
        try (Operations ops = Operations.start(p, 60_000)) {
            String base = "http://127.0.0.1:" + ops.address().getPort();
            for (String path : new String[] {"/", "/metrics", "/pipelines", "/pipelines/shop/status"}) {
                HttpResponse<String> r = send("GET", base + path, null);
                assertThat(r.statusCode()).as(path).isEqualTo(401);
                assertThat(json(r).path("error_code").asInt()).isEqualTo(401);
                assertThat(r.body()).doesNotContain("s3cr3t");
            }
            HttpResponse<String> withHeader = client.send(HttpRequest.newBuilder(URI.create(base + "/pipelines"))
                    .header("Authorization", "Bearer s3cr3t").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(withHeader.statusCode()).isEqualTo(200);
            assertThat(send("GET", base + "/?token=s3cr3t", null).statusCode()).isEqualTo(200);
            assertThat(send("GET", base + "/?token=wrong", null).statusCode()).isEqualTo(401);
        }
    }

    @Test
    void snapshotProgressPerTableIsAMetricInRowsAndChunks() throws Exception {
        FakePipeline p = new FakePipeline(new HttpConfig(true, "127.0.0.1", 0, null));
        try (Operations ops = Operations.start(p, 60_000)) {
            String url = "http://127.0.0.1:" + ops.address().getPort() + "/metrics";
            // The snapshot's tables become series at the first once-a-second sample.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(send("GET", url, null).body())
                    .contains("ferry_snapshot_rows_scanned_total{table=\"public.orders\"} 250.0",
                            "ferry_snapshot_chunks_done_total{table=\"public.orders\"} 25.0",
                            "ferry_snapshot_chunk_rows{table=\"public.orders\"} 10.0"));
        }
    }

    @Test
    void metricsCarryHelpTextAndPrometheusNames() throws Exception {
        FakePipeline p = new FakePipeline(new HttpConfig(true, "127.0.0.1", 0, null));
        try (Operations ops = Operations.start(p, 60_000)) {
            p.captured.set(42);
            String metrics = send("GET", "http://127.0.0.1:" + ops.address().getPort() + "/metrics", null).body();
            assertThat(metrics).contains("# HELP ferry_capture_events_total Changes captured and committed to Kafka",
                    "# TYPE ferry_capture_events_total counter", "ferry_capture_events_total 42.0",
                    "# HELP ferry_source_retained_log_bytes", "ferry_source_max_retained_log_bytes 1.073741824E9",
                    "# TYPE ferry_end_to_end_latency_seconds histogram", "ferry_capture_behind_source_milliseconds 12.0",
                    "ferry_paused 0.0", "# HELP ferry_apply_max_behind_source_milliseconds sink.max-lag",
                    "ferry_apply_max_behind_source_milliseconds 300000.0");
        }
    }

    @Test
    void aPartDownIsAPartOfTheStatusAConditionAndAMetric() throws Exception {
        FakePipeline p = new FakePipeline(new HttpConfig(true, "127.0.0.1", 0, null));
        p.health.up(Part.SOURCE);
        p.health.down(Part.KAFKA, "connection refused", Instant.now().plusSeconds(8));
        p.health.down(Part.KAFKA, "connection refused", Instant.now().plusSeconds(16));
        try (Operations ops = Operations.start(p, 60_000)) {
            String base = "http://127.0.0.1:" + ops.address().getPort();
            JsonNode status = json(send("GET", base + "/pipelines/shop/status", null));
            JsonNode kafka = status.path("parts").get(1);
            assertThat(kafka.path("part").asText()).isEqualTo("kafka");
            assertThat(kafka.path("up").asBoolean()).isFalse();
            assertThat(kafka.path("reason").asText()).isEqualTo("connection refused");
            assertThat(kafka.path("failed_attempts").asInt()).isEqualTo(2);
            assertThat(kafka.path("retry_at").asText()).isNotEmpty();
            assertThat(status.path("parts").get(0).path("up").asBoolean()).isTrue();
            assertThat(downConditions(status)).singleElement().satisfies(c -> {
                assertThat(c.path("name").asText()).isEqualTo("kafka_down");
                assertThat(c.path("message").asText()).startsWith("waiting for Kafka at the embedded broker:"
                        + " connection refused, 2 failed attempts, retry in ");
            });
            String metrics = send("GET", base + "/metrics", null).body();
            assertThat(metrics).contains("ferry_part_down{part=\"kafka\"} 1.0", "ferry_part_down{part=\"source\"} 0.0",
                    "ferry_part_failed_attempts{part=\"kafka\"} 2.0", "# HELP ferry_part_down ");

            p.health.up(Part.KAFKA);
            assertThat(downConditions(json(send("GET", base + "/pipelines/shop/status", null)))).isEmpty();
            assertThat(send("GET", base + "/metrics", null).body()).contains("ferry_part_down{part=\"kafka\"} 0.0",
                    "ferry_part_failed_attempts{part=\"kafka\"} 0.0");
        }
    }

    /** The conditions of parts down (the fake pipeline's health readings add others: it has no servers). */
    private static java.util.List<JsonNode> downConditions(JsonNode status) {
        java.util.List<JsonNode> out = new java.util.ArrayList<>();
        status.path("conditions").forEach(c -> {
            if (c.path("name").asText().endsWith("_down")) {
                out.add(c);
            }
        });
        return out;
    }

    private HttpResponse<String> send(String method, String url, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).method(method, body == null
                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return StatusJson.MAPPER.readTree(r.body());
    }
}
