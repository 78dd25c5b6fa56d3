package io.ferry.iceberg;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.WriteResult;

/**
 * One table's changes since its last commit: the data and delete files being written, whether a truncate came
 * first, the latest row image per key (for values a later update marks unchanged), and per Kafka topic partition the
 * offset the batch starts from (what the table's newest snapshot must still say at commit) and the one it reaches.
 * Not thread-safe.
 */
final class PendingBatch {

    private DeltaWriter writer;
    private final List<WriteResult> completed = new ArrayList<>();
    private boolean truncated;
    /** Latest image per key in internal form; a null value marks a key deleted in this batch. */
    private final Map<List<Object>, Record> rows = new HashMap<>();
    /** Per topic, per partition: {first expected, last new next}. */
    private final Map<String, Map<Integer, long[]>> offsets = new LinkedHashMap<>();
    private long changes;
    private long startedNanos;

    boolean isEmpty() {
        return writer == null && completed.isEmpty() && !truncated && offsets.isEmpty();
    }

    DeltaWriter writer(Table table) {
        if (writer == null) {
            writer = new DeltaWriter(table, table.schema(), TableShape.equalityIds(table.schema()),
                    table.schema().identifierFieldIds().isEmpty());
        }
        return writer;
    }

    /** Drops everything written so far in this batch: a truncate came. */
    void truncate() throws IOException {
        if (writer != null) {
            writer.abort();
            writer = null;
        }
        completed.clear();
        rows.clear();
        truncated = true;
    }

    boolean truncated() {
        return truncated;
    }

    Map<List<Object>, Record> rows() {
        return rows;
    }

    void counted(long n, long nowNanos) {
        if (changes == 0 && offsets.isEmpty()) {
            startedNanos = nowNanos;
        }
        changes += n;
    }

    long changes() {
        return changes;
    }

    long startedNanos() {
        return startedNanos;
    }

    /** The offset this batch has reached for a partition, or null when it holds none of it. */
    Long next(String topic, int partition) {
        long[] o = offsets.getOrDefault(topic, Map.of()).get(partition);
        return o == null ? null : o[1];
    }

    void moved(String topic, int partition, long expected, long newNext, long nowNanos) {
        if (changes == 0 && offsets.isEmpty()) {
            startedNanos = nowNanos;
        }
        offsets.computeIfAbsent(topic, t -> new LinkedHashMap<>())
                .computeIfAbsent(partition, p -> new long[] {expected, newNext})[1] = newNext;
    }

    Map<String, Map<Integer, long[]>> offsets() {
        return offsets;
    }

    /** The files written so far, the writer closed; may be called again after a failed commit. */
    List<WriteResult> complete() throws IOException {
        if (writer != null) {
            completed.add(writer.complete());
            writer = null;
        }
        return completed;
    }

    /** Forgets the batch; its files stay behind as orphans (removed by orphan-files-older-than). */
    void discard() {
        if (writer != null) {
            try {
                writer.abort();
            } catch (IOException | RuntimeException e) {
                // The files are orphans either way.
            }
            writer = null;
        }
        clear();
    }

    void clear() {
        completed.clear();
        rows.clear();
        offsets.clear();
        truncated = false;
        changes = 0;
    }
}
