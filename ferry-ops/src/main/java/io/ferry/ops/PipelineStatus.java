package io.ferry.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ferry.core.SourceStatus;
import io.ferry.core.Sink;
import io.ferry.core.config.PipelineConfig;
import io.ferry.core.connector.Connectors;
import io.ferry.kafka.EmbeddedKafka;
import io.ferry.kafka.TopicAdmin.PartitionHealth;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A pipeline's status document, for {@code ferry status}: from the API of the {@code ferry run} that runs it,
 * or, when none answers, from what is durable (the offsets topic, the topics' health and the group's offsets,
 * the source's retained log, the target's stored offsets). Both have the API's shape; {@code running} says which.
 */
public final class PipelineStatus {

    private PipelineStatus() {
    }

    /** The status of {@code config}'s pipeline, live when its API answers. */
    public static JsonNode read(PipelineConfig config) {
        JsonNode live = fromApi(config);
        return live != null ? live : fromDurableState(config);
    }

    /** The running pipeline's status through its API, or null when it does not answer as this pipeline. */
    static JsonNode fromApi(PipelineConfig config) {
        return new PipelineApi(config).status().orElse(null);
    }

    /** What the durable state says while the pipeline does not run. */
    static ObjectNode fromDurableState(PipelineConfig config) {
        String servers = config.kafka().embedded()
                ? EmbeddedKafka.bootstrapServersOf(Path.of(config.kafka().dataDir())).orElse(null)
                : config.kafka().bootstrapServers();
        ObjectNode n = StatusJson.MAPPER.createObjectNode();
        n.put("name", config.name());
        n.put("state", "NOT RUNNING");
        n.put("running", false);
        HealthPoller.KafkaHealth kafka;
        HealthPoller.SourceHealth source;
        Map<String, Object> committed;
        // An embedded broker runs inside ferry run, which did not answer: do not wait long for it.
        Duration timeout = Duration.ofSeconds(config.kafka().embedded() ? 5 : 30);
        try (HealthPoller poller = new HealthPoller(config, () -> servers, timeout)) {
            kafka = servers == null
                    ? new HealthPoller.KafkaHealth(List.of(), "the embedded Kafka broker of this pipeline is not"
                    + " running (it runs inside ferry run)", System.currentTimeMillis())
                    : poller.kafka();
            committed = kafka.error() == null ? poller.committedPosition() : Map.of();
            source = poller.source();
            ObjectNode c = n.putObject("capture");
            c.put("state", "not running");
            c.set("committed_position", StatusJson.position(committed));
            n.set("snapshot", StatusJson.snapshot(new SourceStatus("", "", 0, List.of())));
            n.putArray("copies");
            n.set("source_log", StatusJson.sourceLog(config, source.retainedLogBytes()));
            n.set("partitions", StatusJson.partitions(kafka.partitions(), poller::isTableTopic));
            n.set("target_offsets", targetOffsets(config, kafka.partitions(), poller));
        }
        n.set("conditions", StatusJson.conditions(config, kafka.partitions(), source.retainedLogBytes(), null, null,
                -1, kafka.error(), source.error()));
        n.putNull("last_error");
        n.putArray("errors");
        return n;
    }

    /** The next offset of each table partition stored in the target's {@code ferry_offsets}; the truth for apply. */
    private static JsonNode targetOffsets(PipelineConfig config, List<PartitionHealth> partitions, HealthPoller poller) {
        ArrayNode out = StatusJson.MAPPER.createArrayNode();
        if (config.sink().isNone()) {
            return out;
        }
        try (Sink sink = Connectors.installed().get(config.sink().type()).sink(config.sink())) {
            for (String topic : partitions.stream().map(PartitionHealth::topic).filter(poller::isTableTopic)
                    .distinct().toList()) {
                sink.storedOffsets(topic).forEach((partition, next) -> out.addObject().put("topic", topic)
                        .put("partition", partition).put("next_offset", next));
            }
        } catch (RuntimeException e) {
            ObjectNode err = out.addObject();
            err.put("error", "cannot read the target's stored offsets: " + e.getMessage());
        }
        return out;
    }
}
