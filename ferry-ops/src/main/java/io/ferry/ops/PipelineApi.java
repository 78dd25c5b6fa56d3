package io.ferry.ops;

import com.fasterxml.jackson.databind.JsonNode;
import io.ferry.core.config.HttpConfig;
import io.ferry.core.config.PipelineConfig;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A client of the API that {@code ferry run} serves for one pipeline, at the address of the pipeline file's
 * {@code http:} section (a wildcard bind is asked on the loopback address), with its token when it has one.
 */
public final class PipelineApi {

    private final PipelineConfig config;

    public PipelineApi(PipelineConfig config) {
        this.config = config;
    }

    /** An answer of the running pipeline: the HTTP status code and the JSON body. */
    public record Answer(int code, JsonNode body) {
        /** The {@code message} of an error body. */
        public String message() {
            return body.path("message").asText("");
        }
    }

    /** Whether the file lets {@code ferry run} serve an API that can be asked. */
    public boolean enabled() {
        return config.http().enabled() && config.http().port() != 0;
    }

    /** {@code http://host:port}, as asked. */
    public String base() {
        HttpConfig http = config.http();
        String host = http.bind().equals("0.0.0.0") || http.bind().equals("::") ? "127.0.0.1" : http.bind();
        if (host.contains(":") && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        return "http://" + host + ":" + http.port();
    }

    /** {@code GET /pipelines/{name}/status}; empty when no {@code ferry run} of this pipeline answers. */
    public Optional<JsonNode> status() {
        return call("GET", "status", null).filter(a -> a.code() == 200).map(Answer::body);
    }

    /**
     * {@code POST /pipelines/{name}/snapshot} with the tables to copy; empty when no {@code ferry run} of this
     * pipeline answers (another pipeline's on the same port answers 404 for this name).
     */
    public Optional<Answer> requestSnapshot(List<String> tables) {
        String body = StatusJson.MAPPER.createObjectNode().set("tables", StatusJson.MAPPER.valueToTree(tables))
                .toString();
        return call("POST", "snapshot", body).filter(a -> a.code() != 404);
    }

    private Optional<Answer> call(String method, String action, String body) {
        if (!enabled()) {
            return Optional.empty();
        }
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(base() + "/pipelines/"
                        + URLEncoder.encode(config.name(), StandardCharsets.UTF_8) + "/" + action))
                .timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            req.header("Content-Type", "application/json");
        }
        if (config.http().authToken() != null) {
            req.header("Authorization", "Bearer " + config.http().authToken().reveal());
        }
        try {
            HttpResponse<String> res = client.send(req.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json = res.body().isEmpty() ? StatusJson.MAPPER.createObjectNode()
                    : StatusJson.MAPPER.readTree(res.body());
            return Optional.of(new Answer(res.statusCode(), json));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
