package io.ferry.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The checking side of a snapshot-kill test, independent of Ferry's decoder: folds a table topic's events into the
 * rows a target applying them in order would hold, and, per capture run (told apart by the {@code source.ts_us} a
 * snapshot stamps on its reads), the highest {@code snapshot_rows} it published of the table.
 */
final class SnapshotLedger {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** id → "version/note", as the source's {@code SELECT id, version, note} would give it. */
    final Map<Long, String> rows = new HashMap<>();
    /** Per run (ascending start time): the highest row number of the table its snapshot published. */
    final TreeMap<Long, Long> lastRowByRun = new TreeMap<>();
    long reads;

    SnapshotLedger(List<ConsumerRecord<byte[], byte[]>> records) {
        for (ConsumerRecord<byte[], byte[]> r : records) {
            if (r.value() == null) {
                continue;
            }
            JsonNode e;
            try {
                e = JSON.readTree(r.value());
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
            switch (e.path("op").asText()) {
                case "r" -> {
                    reads++;
                    lastRowByRun.merge(e.path("source").path("ts_us").asLong(),
                            e.path("source").path("snapshot_rows").asLong(), Math::max);
                    put(e.get("after"));
                }
                case "c", "u" -> put(e.get("after"));
                case "d" -> rows.remove(e.get("before").get("id").asLong());
                case "t" -> rows.clear();
                default -> throw new AssertionError("unexpected event " + e);
            }
        }
    }

    private void put(JsonNode after) {
        rows.put(after.get("id").asLong(), after.get("version").asInt() + "/" + after.get("note").asText());
    }

    /** {@code missing=M extra=E}: source rows absent or different here, and rows here the source lacks. */
    String compareWith(Map<Long, String> source) {
        long missing = source.entrySet().stream().filter(s -> !s.getValue().equals(rows.get(s.getKey()))).count();
        long extra = rows.keySet().stream().filter(k -> !source.containsKey(k)).count();
        return "missing=" + missing + " extra=" + extra;
    }

    /**
     * Counts a topic's committed snapshot reads per capture run as they arrive, so a test can wait until the run it
     * started (the newest) has published some chunks.
     */
    static final class Live implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final Thread thread;
        private final ConcurrentSkipListMap<Long, AtomicLong> readsByRun = new ConcurrentSkipListMap<>();
        private final AtomicLong all = new AtomicLong();
        /** The row a test writes last, with {@code note} = {@value #THE_END}. */
        static final String THE_END = "the end";
        private volatile boolean sawTheEnd;
        private volatile boolean closed;

        Live(String bootstrap, String topic) {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            p.put(ConsumerConfig.GROUP_ID_CONFIG, "snapshot-ledger-" + System.nanoTime());
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            p.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "1000");
            p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
            consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            consumer.subscribe(List.of(topic));
            thread = new Thread(this::loop, "snapshot-ledger");
            thread.setDaemon(true);
            thread.start();
        }

        private void loop() {
            while (!closed) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(java.time.Duration.ofMillis(200))) {
                    all.incrementAndGet();
                    String v = r.value() == null ? "" : new String(r.value(), java.nio.charset.StandardCharsets.UTF_8);
                    if (v.contains("\"note\":\"" + THE_END + "\"")) {
                        sawTheEnd = true;
                    }
                    if (v.contains("\"op\":\"r\"")) {
                        int at = v.indexOf("\"ts_us\":") + 8;
                        int end = at;
                        while (end < v.length() && Character.isDigit(v.charAt(end))) {
                            end++;
                        }
                        readsByRun.computeIfAbsent(Long.parseLong(v.substring(at, end)), k -> new AtomicLong())
                                .incrementAndGet();
                    }
                }
            }
            consumer.close();
        }

        /** Records seen so far, duplicates included. */
        long count() {
            return all.get();
        }

        /** Whether the row with note {@value #THE_END} arrived. */
        boolean sawTheEnd() {
            return sawTheEnd;
        }

        /** The start time of the newest run that published snapshot reads, or 0. */
        long newestRun() {
            return readsByRun.isEmpty() ? 0 : readsByRun.lastKey();
        }

        /** Snapshot reads of the newest run. */
        long readsOfNewestRun() {
            Map.Entry<Long, AtomicLong> e = readsByRun.lastEntry();
            return e == null ? 0 : e.getValue().get();
        }

        @Override
        public void close() throws InterruptedException {
            closed = true;
            thread.join(10_000);
        }
    }
}
