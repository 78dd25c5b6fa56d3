package io.ferry.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.ferry.core.FerryException;
import io.ferry.core.TableId;
import io.ferry.core.config.HttpConfig;
import io.ferry.core.config.PipelineConfig;
import io.ferry.core.config.SinkConfig;
import io.ferry.kafka.TopicAdmin.PartitionHealth;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API (shaped like Kafka Connect's REST API), {@code /metrics} and the dashboard, on the JDK's own
 * server: no framework for a dozen routes. With {@code http.auth-token} set every request must carry it as
 * {@code Authorization: Bearer <token>} (or {@code ?token=} for a browser opening the dashboard), else 401.
 * Errors are {@code {error_code, message}}.
 */
final class OpsServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OpsServer.class);
    private static final String JSON = "application/json";
    /** The uPlot webjar's files, served under /vendor/. */
    private static final String UPLOT = "/META-INF/resources/webjars/uplot/1.6.30/dist/";

    private final HttpServer server;
    private final ExecutorService executor;
    private final Operations ops;
    private final byte[] token;

    private OpsServer(HttpServer server, ExecutorService executor, Operations ops, HttpConfig http) {
        this.server = server;
        this.executor = executor;
        this.ops = ops;
        this.token = http.authToken() == null ? null : http.authToken().reveal().getBytes(StandardCharsets.UTF_8);
    }

    static OpsServer start(HttpConfig http, Operations ops) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(http.bind(), http.port()), 16);
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "ferry-http");
            t.setDaemon(true);
            return t;
        });
        OpsServer s = new OpsServer(server, executor, ops, http);
        server.createContext("/", s::handle);
        server.setExecutor(executor);
        server.start();
        return s;
    }

    InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (!authorized(ex)) {
                ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"ferry\"");
                json(ex, 401, StatusJson.error(401, "this API needs the token of http.auth-token: send it as"
                        + " 'Authorization: Bearer <token>'"));
                return;
            }
            route(ex);
        } catch (RuntimeException e) {
            log.warn("HTTP {} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
            json(ex, 500, StatusJson.error(500, "the request failed: " + e.getMessage()));
        }
    }

    private void route(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        String path = ex.getRequestURI().getPath();
        if (path.equals("/") || path.equals("/index.html")) {
            resource(ex, "/io/ferry/ops/dashboard/index.html", "text/html; charset=utf-8");
        } else if (path.startsWith("/dashboard/") && path.indexOf("..") < 0) {
            resource(ex, "/io/ferry/ops/dashboard/" + path.substring("/dashboard/".length()), contentType(path));
        } else if (path.startsWith("/vendor/") && path.indexOf("..") < 0) {
            resource(ex, UPLOT + path.substring("/vendor/".length()), contentType(path));
        } else if (path.equals("/metrics")) {
            send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", ops.scrape().getBytes(StandardCharsets.UTF_8));
        } else if (path.equals("/pipelines") || path.equals("/pipelines/")) {
            ArrayNode names = StatusJson.MAPPER.createArrayNode().add(ops.pipeline().config().name());
            onlyGet(ex, method, names);
        } else if (path.startsWith("/pipelines/")) {
            pipelineRoute(ex, method, path.substring("/pipelines/".length()).split("/", -1));
        } else {
            json(ex, 404, StatusJson.error(404, "no such resource: " + path));
        }
    }

    private void pipelineRoute(HttpExchange ex, String method, String[] parts) throws IOException {
        String name = URLDecoder.decode(parts[0], StandardCharsets.UTF_8);
        RunningPipeline p = ops.pipeline();
        if (!name.equals(p.config().name())) {
            json(ex, 404, StatusJson.error(404, "no pipeline named '" + name + "'; this process runs '"
                    + p.config().name() + "'"));
            return;
        }
        String action = parts.length > 1 ? parts[1] : "";
        switch (action) {
            case "" -> onlyGet(ex, method, describe(p.config()));
            case "status" -> onlyGet(ex, method, ops.status());
            case "pause" -> control(ex, method, "PUT", p::pause);
            case "resume" -> control(ex, method, "PUT", p::resume);
            case "stop" -> control(ex, method, "PUT", p::stop);
            case "restart" -> control(ex, method, "POST", p::restart);
            case "offsets" -> offsets(ex, method);
            case "snapshot" -> snapshot(ex, method, p);
            default -> json(ex, 404, StatusJson.error(404, "no such resource: /pipelines/" + name + "/" + action));
        }
    }

    /**
     * Queues copies of the named tables: 202 with those queued; 400 for a body or table that cannot be copied, 503
     * while capture is not up to take the request.
     */
    private void snapshot(HttpExchange ex, String method, RunningPipeline p) throws IOException {
        if (!method.equals("POST")) {
            notAllowed(ex, method, "POST");
            return;
        }
        try {
            List<TableId> queued = p.requestSnapshot(SnapshotBody.tables(ex.getRequestBody().readAllBytes()));
            ObjectNode n = StatusJson.MAPPER.createObjectNode();
            ArrayNode names = n.putArray("queued");
            queued.forEach(t -> names.add(t.toString()));
            n.put("message", "copying " + queued.size() + " table(s) while streaming goes on; the status shows"
                    + " their progress under \"copies\"");
            json(ex, 202, n);
        } catch (FerryException e) {
            int code = e.retriable() ? 503 : 400;
            json(ex, code, StatusJson.error(code, e.getMessage()));
        }
    }

    private void offsets(HttpExchange ex, String method) throws IOException {
        switch (method) {
            case "GET" -> json(ex, 200, offsetsDocument());
            case "DELETE" -> resetOffsets(ex);
            case "PATCH" -> alterOffsets(ex);
            default -> notAllowed(ex, method, "GET, PATCH, DELETE");
        }
    }

    /** KIP-875: offsets change only while the pipeline is stopped; else 409 saying how to stop it. */
    private boolean stoppedElse409(HttpExchange ex) throws IOException {
        if (ops.pipeline().stopped()) {
            return true;
        }
        json(ex, 409, StatusJson.error(409, "offsets can be changed only while the pipeline is stopped: stop it first"
                + " with PUT /pipelines/" + ops.pipeline().config().name() + "/stop (resume starts it again)"));
        return false;
    }

    /** DELETE: what {@code ferry reset} does; resuming then takes a new snapshot into the emptied target tables. */
    private void resetOffsets(HttpExchange ex) throws IOException {
        drain(ex);
        if (!stoppedElse409(ex)) {
            return;
        }
        List<String> removed;
        try {
            removed = ops.pipeline().resetOffsets();
        } catch (FerryException e) {
            json(ex, 409, StatusJson.error(409, "the offsets were not reset: " + e.getMessage()));
            return;
        }
        ObjectNode n = StatusJson.MAPPER.createObjectNode();
        n.put("message", "The offsets of pipeline " + ops.pipeline().config().name() + " have been reset: resume"
                + " takes a new snapshot into the emptied target tables");
        ArrayNode list = n.putArray("removed");
        removed.forEach(list::add);
        json(ex, 200, n);
    }

    /**
     * PATCH: sets the next offset the target applies of table partitions, each checked against the topic's
     * partitions and high watermark. The source position is not taken: no answer from here could prove it lies on
     * a transaction boundary of the source's log (DELETE resets it instead).
     */
    private void alterOffsets(HttpExchange ex) throws IOException {
        byte[] body = ex.getRequestBody().readAllBytes();
        if (!stoppedElse409(ex)) {
            return;
        }
        if (ops.pipeline().config().sink().isNone()) {
            json(ex, 400, StatusJson.error(400, "the pipeline has no sink, so it applies no Kafka offsets"));
            return;
        }
        List<RunningPipeline.AppliedOffset> wanted = new ArrayList<>();
        try {
            JsonNode offsets = StatusJson.MAPPER.readTree(body).path("offsets");
            if (!offsets.isArray() || offsets.isEmpty()) {
                throw new IllegalArgumentException("send {\"offsets\": [{\"partition\": {\"kafka_topic\": ...,"
                        + " \"kafka_partition\": ...}, \"offset\": {\"kafka_offset\": ...}}]}");
            }
            for (JsonNode o : offsets) {
                wanted.add(appliedOffset(o));
            }
        } catch (IOException | IllegalArgumentException e) {
            json(ex, 400, StatusJson.error(400, "bad offsets: " + e.getMessage()));
            return;
        }
        try {
            ops.pipeline().setAppliedOffsets(wanted);
        } catch (FerryException e) {
            json(ex, 409, StatusJson.error(409, "the offsets were not altered: " + e.getMessage()));
            return;
        }
        json(ex, 200, StatusJson.MAPPER.createObjectNode().put("message", "The offsets of pipeline "
                + ops.pipeline().config().name() + " have been altered: resume applies from them"));
    }

    /** One entry of a PATCH, validated against the pipeline's table partitions and their high watermarks. */
    private RunningPipeline.AppliedOffset appliedOffset(JsonNode o) {
        JsonNode partition = o.path("partition");
        if (partition.has("pipeline")) {
            throw new IllegalArgumentException("the source position cannot be set here (nothing could check that it"
                    + " is a transaction boundary of the source's log); DELETE the offsets to take a new snapshot");
        }
        String topic = partition.path("kafka_topic").asText(null);
        JsonNode p = partition.path("kafka_partition");
        JsonNode offset = o.path("offset").path("kafka_offset");
        if (topic == null || !p.canConvertToInt() || !offset.canConvertToLong() || offset.asLong() < 0) {
            throw new IllegalArgumentException("each entry needs partition.kafka_topic, partition.kafka_partition and"
                    + " offset.kafka_offset (a number from 0): " + o);
        }
        if (!ops.isTableTopic(topic)) {
            throw new IllegalArgumentException(topic + " is not a table topic of this pipeline");
        }
        for (PartitionHealth h : ops.partitions()) {
            if (h.topic().equals(topic) && h.partition() == p.asInt()) {
                if (offset.asLong() > h.highWatermark()) {
                    throw new IllegalArgumentException("offset " + offset.asLong() + " is past the end of " + topic
                            + "-" + p.asInt() + " (high watermark " + h.highWatermark() + ")");
                }
                return new RunningPipeline.AppliedOffset(topic, p.asInt(), offset.asLong());
            }
        }
        throw new IllegalArgumentException(topic + " has no partition " + p.asInt());
    }

    /** KIP-875's shape: the source position under the pipeline, and each table partition's applied offset. */
    private ObjectNode offsetsDocument() {
        ObjectNode doc = StatusJson.MAPPER.createObjectNode();
        ArrayNode list = doc.putArray("offsets");
        ObjectNode source = list.addObject();
        source.putObject("partition").put("pipeline", ops.pipeline().config().name());
        source.set("offset", StatusJson.position(ops.committedPosition()));
        for (PartitionHealth h : ops.partitions()) {
            if (!ops.isTableTopic(h.topic()) || h.committed() < 0) {
                continue;
            }
            ObjectNode o = list.addObject();
            o.putObject("partition").put("kafka_topic", h.topic()).put("kafka_partition", h.partition());
            o.putObject("offset").put("kafka_offset", h.committed());
        }
        return doc;
    }

    /** The pipeline's configuration without any secret: what Kafka Connect's GET /connectors/{name} shows. */
    private static ObjectNode describe(PipelineConfig c) {
        ObjectNode n = StatusJson.MAPPER.createObjectNode();
        n.put("name", c.name());
        ObjectNode s = n.putObject("source");
        s.put("type", c.source().type());
        s.put("host", c.source().host());
        s.put("port", c.source().port());
        s.put("database", c.source().database());
        s.put("user", c.source().user());
        ArrayNode tables = s.putArray("tables");
        c.source().tables().forEach(tables::add);
        ObjectNode k = n.putObject("kafka");
        k.put("bootstrap_servers", c.kafka().embedded() ? "embedded" : c.kafka().bootstrapServers());
        k.put("topic_prefix", c.kafka().topicPrefix());
        SinkConfig sink = c.sink();
        ObjectNode t = n.putObject("sink");
        t.put("type", sink.type());
        if (!sink.isNone()) {
            t.put("host", sink.host());
            t.put("port", sink.port());
            t.put("database", sink.database());
            t.put("schema", sink.schema());
        }
        return n;
    }

    private void control(HttpExchange ex, String method, String allowed, Runnable action) throws IOException {
        if (!method.equals(allowed)) {
            notAllowed(ex, method, allowed);
            return;
        }
        drain(ex);
        action.run();
        send(ex, 202, null, new byte[0]);
    }

    private void onlyGet(HttpExchange ex, String method, JsonNode body) throws IOException {
        if (!method.equals("GET")) {
            notAllowed(ex, method, "GET");
            return;
        }
        json(ex, 200, body);
    }

    private void notAllowed(HttpExchange ex, String method, String allowed) throws IOException {
        ex.getResponseHeaders().add("Allow", allowed);
        json(ex, 405, StatusJson.error(405, method + " is not allowed here; use " + allowed));
    }

    private boolean authorized(HttpExchange ex) {
        if (token == null) {
            return true;
        }
        String header = ex.getRequestHeaders().getFirst("Authorization");
        String given = null;
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            given = header.substring(7).strip();
        } else {
            given = queryToken(ex.getRequestURI().getRawQuery());
        }
        return given != null && MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8));
    }

    private static String queryToken(String query) {
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&")) {
            if (pair.startsWith("token=")) {
                return URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private void resource(HttpExchange ex, String name, String type) throws IOException {
        try (InputStream in = OpsServer.class.getResourceAsStream(name)) {
            if (in == null) {
                json(ex, 404, StatusJson.error(404, "no such resource: " + ex.getRequestURI().getPath()));
                return;
            }
            send(ex, 200, type, in.readAllBytes());
        }
    }

    private static String contentType(String path) {
        if (path.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        }
        if (path.endsWith(".css")) {
            return "text/css; charset=utf-8";
        }
        return "application/octet-stream";
    }

    private static void json(HttpExchange ex, int code, JsonNode body) throws IOException {
        send(ex, code, JSON, StatusJson.MAPPER.writeValueAsBytes(body));
    }

    private static void send(HttpExchange ex, int code, String type, byte[] body) throws IOException {
        if (type != null) {
            ex.getResponseHeaders().set("Content-Type", type);
        }
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static void drain(HttpExchange ex) throws IOException {
        ex.getRequestBody().readAllBytes();
    }

}
