package io.ferry.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The checking side of a failure test: tallies the {@code seq} of every change seen on a topic, independently
 * of Ferry's own decoder, and reports what is missing, what arrived more than once, and any key whose
 * {@code version}s arrived out of order.
 */
final class ChangeLedger {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final long expected;
    private final int[] seen;
    private final Map<Long, Long> lastVersionByKey = new HashMap<>();
    private final List<String> orderViolations = new ArrayList<>();
    private long distinct;

    /** Expects exactly the changes numbered 1..expected. */
    ChangeLedger(long expected) {
        this.expected = expected;
        this.seen = new int[(int) expected + 1];
    }

    /** Counts one record; snapshot reads ({@code r}) are not changes and are ignored. */
    void add(ConsumerRecord<byte[], byte[]> record) {
        if (record.value() == null) {
            return;
        }
        JsonNode envelope;
        try {
            envelope = JSON.readTree(record.value());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String op = envelope.path("op").asText();
        if (!op.equals("c") && !op.equals("u")) {
            return;
        }
        JsonNode after = envelope.get("after");
        long seq = after.get("seq").asLong();
        long key = after.get("id").asLong();
        long version = after.get("version").asLong();
        if (seq < 1 || seq > expected) {
            throw new AssertionError("seq out of range: " + seq);
        }
        if (seen[(int) seq]++ == 0) {
            distinct++;
        }
        Long previous = lastVersionByKey.put(key, version);
        long want = previous == null ? 1 : previous + 1;
        if (version != want && orderViolations.size() < 20) {
            orderViolations.add("key " + key + ": version " + version + " after " + previous);
        }
    }

    long distinct() {
        return distinct;
    }

    long missing() {
        return expected - distinct;
    }

    /** Deliveries beyond the first of any change. */
    long extra() {
        long extra = 0;
        for (int i = 1; i <= expected; i++) {
            extra += Math.max(0, seen[i] - 1);
        }
        return extra;
    }

    List<String> orderViolations() {
        return orderViolations;
    }

    String summary() {
        return "missing=" + missing() + " extra=" + extra();
    }
}
