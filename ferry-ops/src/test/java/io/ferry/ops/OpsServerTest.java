package io.ferry.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ferry.core.Secret;
import io.ferry.core.config.HttpConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
            assertThat(send("PATCH", base + "/pipelines/shop/offsets", "{}").statusCode()).isEqualTo(409);
            assertThat(send("POST", base + "/pipelines/shop/snapshot", "{\"tables\":[\"public.orders\"]}").statusCode())
                    .isEqualTo(501);
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
    void metricsCarryHelpTextAndPrometheusNames() throws Exception {
        FakePipeline p = new FakePipeline(new HttpConfig(true, "127.0.0.1", 0, null));
        try (Operations ops = Operations.start(p, 60_000)) {
            p.captured.set(42);
            String metrics = send("GET", "http://127.0.0.1:" + ops.address().getPort() + "/metrics", null).body();
            assertThat(metrics).contains("# HELP ferry_capture_events_total Changes captured and committed to Kafka",
                    "# TYPE ferry_capture_events_total counter", "ferry_capture_events_total 42.0",
                    "# HELP ferry_source_retained_log_bytes", "ferry_source_max_retained_log_bytes 1.073741824E9",
                    "# TYPE ferry_end_to_end_latency_seconds histogram", "ferry_capture_behind_source_milliseconds 12.0",
                    "ferry_paused 0.0");
        }
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
