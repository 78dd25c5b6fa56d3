package io.ferry.ops;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ferry.core.SourceStatus;
import io.ferry.core.config.HttpConfig;
import io.ferry.core.health.PipelineHealth;
import io.ferry.kafka.TopicAdmin.PartitionHealth;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything that lets an operator see and steer one running pipeline: its metrics, the health readings of
 * Kafka and the source (every few seconds, on threads of their own), the recent errors, and the HTTP server
 * with the API and the dashboard. Started beside the pipeline and closed after it.
 */
public final class Operations implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Operations.class);
    private static final int RECENT_ERRORS = 20;

    private final RunningPipeline pipeline;
    private final PipelineMetrics metrics;
    private final HealthPoller poller;
    private final ScheduledExecutorService timers;
    private final Deque<ObjectNode> errors = new ArrayDeque<>();
    private volatile HealthPoller.KafkaHealth kafka = new HealthPoller.KafkaHealth(List.of(), null, 0);
    private volatile HealthPoller.SourceHealth source = new HealthPoller.SourceHealth(null, null, 0);
    private OpsServer server;

    private Operations(RunningPipeline pipeline, long healthIntervalMillis, boolean watch) {
        this.pipeline = pipeline;
        this.metrics = new PipelineMetrics(pipeline);
        // Asked again every few seconds: an answer later than this is no longer worth waiting for.
        this.poller = new HealthPoller(pipeline.config(), pipeline::bootstrapServers, Duration.ofSeconds(5));
        this.timers = Executors.newScheduledThreadPool(3, r -> {
            Thread t = new Thread(r, "ferry-ops");
            t.setDaemon(true);
            return t;
        });
        if (watch) {
            pipeline.onAppliedBatch(metrics);
            timers.scheduleAtFixedRate(this::sample, 1, 1, TimeUnit.SECONDS);
            timers.scheduleWithFixedDelay(this::readKafka, 0, healthIntervalMillis, TimeUnit.MILLISECONDS);
            timers.scheduleWithFixedDelay(this::readSource, 0, healthIntervalMillis, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Starts the metrics, the health readings and the HTTP server of {@code pipeline}; with {@code http.enabled}
     * false nobody could see them, so nothing starts. A port already in use is logged and the pipeline runs on
     * without the API: seeing inside must never stop the data.
     */
    public static Operations start(RunningPipeline pipeline) {
        return start(pipeline, 3_000);
    }

    /** As {@link #start(RunningPipeline)} with another interval between health readings (tests use shorter ones). */
    public static Operations start(RunningPipeline pipeline, long healthIntervalMillis) {
        HttpConfig http = pipeline.config().http();
        Operations ops = new Operations(pipeline, healthIntervalMillis, http.enabled());
        if (http.enabled()) {
            try {
                ops.server = OpsServer.start(http, ops);
                log.info("HTTP API, metrics and dashboard at http://{}/", hostPort(ops.server.address()));
            } catch (java.io.IOException e) {
                log.warn("The HTTP API is not served: cannot listen on {}:{} ({}); set http.port or http.enabled",
                        http.bind(), http.port(), e.getMessage());
            }
        }
        return ops;
    }

    /** Where the API listens, or null when it does not. */
    public InetSocketAddress address() {
        return server == null ? null : server.address();
    }

    /** The Prometheus exposition of the pipeline's metrics. */
    public String scrape() {
        return metrics.scrape();
    }

    RunningPipeline pipeline() {
        return pipeline;
    }

    /** The committed source position, read from the offsets topic now. */
    java.util.Map<String, Object> committedPosition() {
        return poller.committedPosition();
    }

    boolean isTableTopic(String topic) {
        return poller.isTableTopic(topic);
    }

    List<PartitionHealth> partitions() {
        return kafka.partitions();
    }

    /** The status document of {@code GET /pipelines/{name}/status}. */
    ObjectNode status() {
        RunningPipeline p = pipeline;
        SourceStatus s = p.source();
        ObjectNode n = StatusJson.MAPPER.createObjectNode();
        n.put("name", p.config().name());
        String capture = p.captureState();
        String apply = p.applyState();
        n.put("state", p.stopped() ? "STOPPED" : overall(capture, apply));
        n.put("running", true);
        n.put("role", p.role());
        ObjectNode c = n.putObject("capture");
        c.put("state", capture);
        c.put("phase", s.phase());
        c.put("position", s.position());
        c.put("events", p.eventsCaptured());
        c.put("transactions", p.transactionsCommitted());
        c.put("events_per_second", round(metrics.captureRate()));
        c.put("behind_source_ms", p.captureBehindSourceMillis());
        c.put("newest_source_commit", s.lastCommitMicros() == 0 ? null
                : Instant.ofEpochMilli(s.lastCommitMicros() / 1000).toString());
        long lag = -1;
        if (apply != null) {
            ObjectNode a = n.putObject("apply");
            a.put("state", apply);
            a.put("events", p.eventsApplied());
            a.put("events_per_second", round(metrics.applyRate()));
            a.put("dead_letters", p.deadLettered());
            ArrayNode applied = a.putArray("partitions");
            p.appliedPartitions().forEach(applied::add);
            lag = metrics.applyBehindSourceMillis();
            a.put("behind_source_ms", lag);
        } else {
            n.putNull("apply");
        }
        ObjectNode latency = n.putObject("latency_ms");
        double[] pct = metrics.latencyPercentilesMillis();
        latency.put("recent_mean", round(metrics.windowLatencyMillis()));
        latency.put("p50", round(pct.length > 0 ? pct[0] : 0));
        latency.put("p99", round(pct.length > 1 ? pct[1] : 0));
        latency.put("transactions", metrics.latencyCount());
        n.set("snapshot", StatusJson.snapshot(s));
        n.set("copies", StatusJson.copies(s));
        HealthPoller.KafkaHealth k = kafka;
        HealthPoller.SourceHealth src = source;
        n.set("source_log", StatusJson.sourceLog(p.config(), src.retainedLogBytes()));
        n.set("partitions", StatusJson.partitions(k.partitions(), poller::isTableTopic));
        PipelineHealth health = p.health();
        n.set("parts", StatusJson.parts(health));
        ArrayNode conditions = StatusJson.conditions(p.config(), k.partitions(), src.retainedLogBytes(), capture,
                apply, lag, k.error(), src.error());
        StatusJson.partsDown(conditions, health);
        n.set("conditions", conditions);
        String failure = p.failure();
        if (failure == null) {
            n.putNull("last_error");
        } else {
            n.put("last_error", failure);
        }
        ArrayNode recent = n.putArray("errors");
        synchronized (errors) {
            errors.forEach(recent::add);
        }
        return n;
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
        timers.shutdownNow();
        poller.close();
    }

    private void sample() {
        try {
            metrics.sample();
            noteError("capture", pipeline.captureState());
            noteError("apply", pipeline.applyState());
        } catch (RuntimeException e) {
            log.debug("sampling the pipeline's counters failed", e);
        }
    }

    private void readKafka() {
        kafka = poller.kafka();
        noteError("kafka", kafka.error());
        metrics.health(kafka.partitions(), toDouble(source.retainedLogBytes()));
    }

    private void readSource() {
        source = poller.source();
        noteError("source", source.error());
        metrics.health(kafka.partitions(), toDouble(source.retainedLogBytes()));
    }

    /** Keeps states that say something went wrong, once per change of message. */
    private void noteError(String part, String message) {
        if (message == null || !(message.startsWith("retrying") || message.startsWith("failed")
                || message.startsWith("target unreachable") || message.startsWith("cannot"))) {
            return;
        }
        synchronized (errors) {
            ObjectNode last = errors.peekLast();
            if (last != null && last.get("part").asText().equals(part) && last.get("message").asText().equals(message)) {
                return;
            }
            ObjectNode e = StatusJson.MAPPER.createObjectNode();
            e.put("at", Instant.now().toString());
            e.put("part", part);
            e.put("message", message);
            errors.addLast(e);
            while (errors.size() > RECENT_ERRORS) {
                errors.removeFirst();
            }
        }
    }

    private static String overall(String capture, String apply) {
        // A half another process runs (ferry run --role), or waits to run (a capture standing by), is as well as
        // this process's own half.
        if (ELSEWHERE.equals(apply)) {
            apply = null;
        }
        if (capture != null && capture.startsWith("standing by")) {
            capture = "running";
        }
        if (ELSEWHERE.equals(capture)) {
            capture = apply == null ? "running" : apply;
        }
        if (isFailed(capture) || isFailed(apply)) {
            return "FAILED";
        }
        if ("paused".equals(capture) && (apply == null || "paused".equals(apply))) {
            return "PAUSED";
        }
        if ("running".equals(capture) && (apply == null || "running".equals(apply))) {
            return "RUNNING";
        }
        return "DEGRADED";
    }

    private static final String ELSEWHERE = "elsewhere";

    private static boolean isFailed(String state) {
        return state != null && state.startsWith("failed");
    }

    private static Double toDouble(Long v) {
        return v == null ? null : v.doubleValue();
    }

    private static double round(double v) {
        return Double.isFinite(v) ? Math.round(v * 10) / 10.0 : 0;
    }

    private static String hostPort(InetSocketAddress a) {
        return a.getHostString() + ":" + a.getPort();
    }
}
