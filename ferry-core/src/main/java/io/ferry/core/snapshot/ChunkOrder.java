package io.ferry.core.snapshot;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Puts each table's chunks back in sequence for hand-over: several readers finish a table's ranges in any order, but
 * the snapshot's progress names the last key handed over, so chunks go on only in key order. A chunk that comes
 * early waits here; {@link ChunkSchedule}'s window bounds how many. One thread only.
 *
 * @param <T> the caller's table
 * @param <C> a chunk
 */
public final class ChunkOrder<T, C> {

    private final Map<T, Long> next = new HashMap<>();
    private final Map<T, TreeMap<Long, C>> early = new HashMap<>();
    private int held;

    /** Chunk {@code seq} (from 0) of {@code table} arrived: returns the chunks now due, in order, maybe none. */
    public List<C> arrived(T table, long seq, C chunk) {
        long due = next.getOrDefault(table, 0L);
        if (seq < due) {
            throw new IllegalArgumentException("chunk " + seq + " of " + table + " arrived twice");
        }
        if (seq > due) {
            if (early.computeIfAbsent(table, t -> new TreeMap<>()).putIfAbsent(seq, chunk) != null) {
                throw new IllegalArgumentException("chunk " + seq + " of " + table + " arrived twice");
            }
            held++;
            return List.of();
        }
        List<C> ready = new ArrayList<>();
        ready.add(chunk);
        due++;
        TreeMap<Long, C> waiting = early.get(table);
        while (waiting != null && !waiting.isEmpty() && waiting.firstKey() == due) {
            ready.add(waiting.pollFirstEntry().getValue());
            held--;
            due++;
        }
        next.put(table, due);
        return ready;
    }

    /** Chunks waiting for an earlier one of their table. */
    public int held() {
        return held;
    }
}
