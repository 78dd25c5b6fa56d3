package io.ferry.kafka;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ferry.core.FerryException;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;

/**
 * The pipelines' committed source positions in the compacted offsets topic: one record per commit, keyed by the
 * pipeline name, whose value is the JSON of the position's described fields. Thread-safe.
 */
public final class SourcePositions {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration READ_TIMEOUT = Duration.ofMinutes(2);

    private final String bootstrapServers;
    private final Map<String, String> clientProperties;
    private final String topic;

    /** A store over {@code topic} (see {@link TopicNames#offsets}) of the given cluster. */
    public SourcePositions(String bootstrapServers, Map<String, String> clientProperties, String topic) {
        this.bootstrapServers = bootstrapServers;
        this.clientProperties = Map.copyOf(clientProperties);
        this.topic = topic;
    }

    /**
     * The newest committed position of {@code pipeline} as its fields (JSON numbers as Integer or Long), or an
     * empty map when it never committed one. Waits for transactions open on the topic to be decided (another
     * pipeline's stalled one for up to its transaction timeout).
     */
    public Map<String, Object> read(String pipeline) {
        byte[] wanted = pipeline.getBytes(StandardCharsets.UTF_8);
        byte[][] newest = new byte[1][];
        CommittedLog.read(bootstrapServers, clientProperties, topic, READ_TIMEOUT, (k, v) -> {
            if (Arrays.equals(k, wanted)) {
                newest[0] = v;
            }
        });
        if (newest[0] == null) {
            return Map.of();
        }
        try {
            return MAPPER.readValue(newest[0], new TypeReference<Map<String, Object>>() { });
        } catch (IOException e) {
            throw new FerryException("the committed position of pipeline " + pipeline + " in " + topic
                    + " is not valid JSON: " + e.getMessage(), e, false);
        }
    }

    /** The record that stores {@code position} (JSON, see {@link EnvelopeWriter#position}) for {@code pipeline}. */
    public ProducerRecord<byte[], byte[]> record(String pipeline, byte[] position) {
        return new ProducerRecord<>(topic, 0, pipeline.getBytes(StandardCharsets.UTF_8), position);
    }
}
