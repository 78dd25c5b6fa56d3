package io.ferry.iceberg;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ferry.core.FerryException;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;

/**
 * The Kafka offsets a table's commits carry: every snapshot the sink commits has, per topic whose rows live in the
 * table, a summary entry {@code ferry.offsets.<topic>} = JSON {@code {"partition": next offset}}, covering every
 * partition applied so far (not only the commit's own). The newest snapshot that has such entries is the truth;
 * snapshots without them (another engine's compaction, say) are passed over.
 */
final class SnapshotOffsets {

    static final String PREFIX = "ferry.offsets.";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<TreeMap<Integer, Long>> TYPE = new TypeReference<>() {
    };

    private SnapshotOffsets() {
    }

    /** Every topic's offsets in {@code table}'s newest snapshot that carries any; empty when none does. */
    static Map<String, Map<Integer, Long>> read(Table table) {
        Snapshot s = table.currentSnapshot();
        while (s != null) {
            Map<String, Map<Integer, Long>> found = read(s.summary());
            if (!found.isEmpty()) {
                return found;
            }
            s = s.parentId() == null ? null : table.snapshot(s.parentId());
        }
        return Map.of();
    }

    static Map<String, Map<Integer, Long>> read(Map<String, String> summary) {
        Map<String, Map<Integer, Long>> out = new HashMap<>();
        for (Map.Entry<String, String> e : summary.entrySet()) {
            if (e.getKey().startsWith(PREFIX)) {
                try {
                    out.put(e.getKey().substring(PREFIX.length()), JSON.readValue(e.getValue(), TYPE));
                } catch (JsonProcessingException ex) {
                    throw new FerryException("snapshot summary entry " + e.getKey() + " is not Ferry's offsets JSON: "
                            + e.getValue(), ex, false);
                }
            }
        }
        return out;
    }

    static String json(Map<Integer, Long> offsets) {
        try {
            return JSON.writeValueAsString(new TreeMap<>(offsets));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
