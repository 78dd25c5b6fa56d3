package io.ferry.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ferry.core.SourceStatus;
import io.ferry.core.SourceStatus.TableProgress;
import io.ferry.core.config.PipelineConfig;
import io.ferry.core.health.Part;
import io.ferry.core.health.PartState;
import io.ferry.core.health.PipelineHealth;
import io.ferry.kafka.TopicAdmin.PartitionHealth;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The parts of a pipeline's status document that a running pipeline and its durable state share: snapshot
 * progress, replication health, the source's retained log and the alert conditions. Field names are the API's
 * (snake_case); nothing here carries a password or token.
 */
final class StatusJson {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private StatusJson() {
    }

    static ArrayNode snapshot(SourceStatus source) {
        ArrayNode tables = MAPPER.createArrayNode();
        for (TableProgress t : source.tables()) {
            ObjectNode n = tables.addObject();
            n.put("table", t.table().toString());
            n.put("rows_done", t.rowsDone());
            n.put("rows_estimated", t.rowsEstimated());
            n.put("done", t.done());
            n.put("chunk_rows", t.chunkRows());
            n.put("chunks_done", t.chunksDone());
        }
        return tables;
    }

    /** The copies requested while streaming: the running one with its rows so far, then those queued. */
    static ArrayNode copies(SourceStatus source) {
        ArrayNode out = MAPPER.createArrayNode();
        for (SourceStatus.Copy c : source.copies()) {
            ObjectNode n = out.addObject();
            n.put("table", c.table().toString());
            n.put("state", c.running() ? "running" : "queued");
            n.put("rows_done", c.rowsDone());
        }
        return out;
    }

    static ArrayNode partitions(List<PartitionHealth> partitions, Predicate<String> tableTopic) {
        ArrayNode out = MAPPER.createArrayNode();
        for (PartitionHealth p : partitions) {
            ObjectNode n = out.addObject();
            n.put("topic", p.topic());
            n.put("partition", p.partition());
            n.put("leader", p.leader());
            n.set("replicas", ints(p.replicas()));
            n.set("isr", ints(p.isr()));
            n.put("min_isr", p.minIsr());
            n.put("high_watermark", p.highWatermark());
            n.put("last_stable_offset", p.lastStableOffset());
            if (tableTopic.test(p.topic())) {
                n.put("committed", p.committed());
                n.put("lag", p.lag());
            } else {
                n.putNull("committed");
                n.putNull("lag");
            }
            n.put("under_replicated", p.underReplicated());
            n.put("under_min_isr", p.underMinIsr());
        }
        return out;
    }

    /**
     * The alert conditions that hold, each {@code {name, message}}. {@code applyState} is null without a sink or
     * when the pipeline does not run; {@code lagMillis} is negative when unknown.
     */
    static ArrayNode conditions(PipelineConfig config, List<PartitionHealth> partitions, Long retainedBytes,
                                String captureState, String applyState, long lagMillis, String kafkaError,
                                String sourceError) {
        ArrayNode out = MAPPER.createArrayNode();
        if (retainedBytes != null && retainedBytes > config.maxRetainedWalBytes()) {
            condition(out, "retained_log_over_limit", "the source holds " + bytes(retainedBytes)
                    + " of log for this pipeline, over source.max-retained-wal " + bytes(config.maxRetainedWalBytes()));
        }
        for (PartitionHealth p : partitions) {
            if (p.underMinIsr()) {
                condition(out, "partition_under_min_isr", p.topic() + "-" + p.partition() + " has " + p.isr().size()
                        + " in-sync replica(s), under min.insync.replicas " + p.minIsr() + ": writes to it fail");
            } else if (p.underReplicated()) {
                condition(out, "partition_under_replicated", p.topic() + "-" + p.partition() + " has ISR "
                        + p.isr() + " of replicas " + p.replicas());
            }
        }
        if (captureState != null && captureState.startsWith("failed")) {
            condition(out, "capture_stopped_on_error", "capture " + captureState);
        }
        if (applyState != null && applyState.startsWith("failed")) {
            condition(out, "apply_stopped_on_error", "apply " + applyState);
        }
        long maxLagMillis = config.maxLag().toMillis();
        if (lagMillis > maxLagMillis) {
            condition(out, "lag_over_threshold", "the target is " + seconds(lagMillis) + " behind the source, over"
                    + " sink.max-lag " + seconds(maxLagMillis));
        }
        if (kafkaError != null) {
            condition(out, "kafka_unreachable", kafkaError);
        }
        if (sourceError != null) {
            condition(out, "source_unreachable", sourceError);
        }
        return out;
    }

    /**
     * Each part of a running pipeline: {@code {part, where, up, reason, since, retry_at, failed_attempts}}; the
     * reason is the one-line message the status line shows, never a password.
     */
    static ArrayNode parts(PipelineHealth health) {
        ArrayNode out = MAPPER.createArrayNode();
        for (PartState s : health.parts()) {
            ObjectNode n = out.addObject();
            n.put("part", partName(s.part()));
            n.put("where", s.where());
            n.put("up", s.up());
            n.put("reason", s.reason());
            n.put("since", s.since() == null ? null : s.since().toString());
            n.put("retry_at", s.retryAt() == null ? null : s.retryAt().toString());
            n.put("failed_attempts", s.failedAttempts());
        }
        return out;
    }

    /** A condition {@code <part>_down} for each part that is down, with the status line's description of it. */
    static void partsDown(ArrayNode conditions, PipelineHealth health) {
        java.time.Instant now = health.now();
        for (PartState s : health.down()) {
            condition(conditions, partName(s.part()) + "_down", s.describe(now));
        }
    }

    /** {@code source}, {@code kafka}, {@code sink}: the API's and the metrics' name of a part. */
    static String partName(Part part) {
        return part.name().toLowerCase(java.util.Locale.ROOT);
    }

    static ObjectNode sourceLog(PipelineConfig config, Long retainedBytes) {
        ObjectNode n = MAPPER.createObjectNode();
        if (retainedBytes == null) {
            n.putNull("retained_bytes");
        } else {
            n.put("retained_bytes", retainedBytes);
        }
        n.put("max_retained_bytes", config.maxRetainedWalBytes());
        return n;
    }

    static ObjectNode position(Map<String, Object> position) {
        return MAPPER.valueToTree(position);
    }

    static ObjectNode error(int code, String message) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("error_code", code);
        n.put("message", message);
        return n;
    }

    private static void condition(ArrayNode out, String name, String message) {
        ObjectNode n = out.addObject();
        n.put("name", name);
        n.put("message", message);
    }

    private static ArrayNode ints(List<Integer> values) {
        ArrayNode a = MAPPER.createArrayNode();
        values.forEach(a::add);
        return a;
    }

    private static String seconds(long millis) {
        return millis % 1000 == 0 || millis >= 10_000 ? millis / 1000 + " s"
                : String.format(java.util.Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    static String bytes(long b) {
        if (b >= 1L << 30) {
            return String.format(java.util.Locale.ROOT, "%.1f GiB", b / (double) (1L << 30));
        }
        if (b >= 1L << 20) {
            return String.format(java.util.Locale.ROOT, "%.1f MiB", b / (double) (1L << 20));
        }
        return b + " bytes";
    }
}
