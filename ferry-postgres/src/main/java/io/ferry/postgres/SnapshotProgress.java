package io.ferry.postgres;

import io.ferry.core.TableId;
import io.ferry.core.TableSelector;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How far an initial snapshot got: per table started, the rows and chunks handed over, the last key handed over
 * and whether the table is done. Immutable, so the events of one chunk share one value; the snapshot's calling
 * thread derives the next value once per chunk. Its text form (a PostgreSQL text-array literal of
 * {@code table, rows, chunks, d|r, last key} per table) is what the offsets topic keeps.
 */
final class SnapshotProgress {

    /** One table's progress; {@code lastKey} is array text as {@link Backfill#keyText} writes it, or null. */
    record Table(long rows, long chunks, String lastKey, boolean done) {
    }

    static final SnapshotProgress NONE = new SnapshotProgress(Map.of());

    private static final int FIELDS = 5;

    private final Map<TableId, Table> tables;
    // Computed at most once per chunk's value, only when a Kafka transaction commits with it; a race computes it twice.
    private String text;

    private SnapshotProgress(Map<TableId, Table> tables) {
        this.tables = tables;
    }

    /** The table's progress, or null when its reading has not started. */
    Table of(TableId table) {
        return tables.get(table);
    }

    /** This progress after one more chunk of {@code table}, which ends with {@code rows} handed over in all. */
    SnapshotProgress afterChunk(TableId table, long rows, String lastKey, boolean done) {
        Map<TableId, Table> next = new LinkedHashMap<>(tables);
        Table before = tables.get(table);
        next.put(table, new Table(rows, before == null ? 1 : before.chunks() + 1, lastKey, done));
        return new SnapshotProgress(Collections.unmodifiableMap(next));
    }

    /** This progress with {@code table} started over from its first row. */
    SnapshotProgress restarted(TableId table) {
        Map<TableId, Table> next = new LinkedHashMap<>(tables);
        next.put(table, new Table(0, 0, null, false));
        return new SnapshotProgress(Collections.unmodifiableMap(next));
    }

    String text() {
        String t = text;
        if (t == null) {
            List<String> parts = new ArrayList<>(tables.size() * FIELDS);
            tables.forEach((id, p) -> {
                parts.add(TableSelector.quote(id));
                parts.add(Long.toString(p.rows()));
                parts.add(Long.toString(p.chunks()));
                parts.add(p.done() ? "d" : "r");
                parts.add(p.lastKey());
            });
            t = Backfill.keyText(parts.toArray(String[]::new));
            text = t;
        }
        return t;
    }

    /** Reads back what {@link #text} wrote; a malformed value is an error naming it. */
    static SnapshotProgress parse(String text) {
        String[] parts;
        try {
            parts = Backfill.parseKey(text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("malformed snapshot progress: " + text, e);
        }
        if (parts.length % FIELDS != 0) {
            throw new IllegalArgumentException("malformed snapshot progress: " + text);
        }
        Map<TableId, Table> tables = new LinkedHashMap<>();
        for (int i = 0; i < parts.length; i += FIELDS) {
            TableSelector.Entry name = TableSelector.parse(parts[i], "public");
            tables.put(new TableId(name.schema(), name.table()), new Table(Long.parseLong(parts[i + 1]),
                    Long.parseLong(parts[i + 2]), parts[i + 4], "d".equals(parts[i + 3])));
        }
        return new SnapshotProgress(Collections.unmodifiableMap(tables));
    }

    @Override
    public String toString() {
        return text();
    }
}
