package io.ferry.mysql;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How far an initial snapshot got, per table: done, or in progress after some rows, chunks and (keyed tables) the
 * last key handed over. Immutable: the snapshot's calling thread makes a new one per chunk, and every event of
 * that chunk shares it, so a resume position never costs a map per row.
 *
 * <p>{@link #encode} writes one compact line for the offsets topic: {@code ;}-separated entries, {@code +name=rows/chunks}
 * for a done table and {@code name=rows/chunks[,key...]} for one in progress; {@code % ; , = +} inside names and
 * key values are escaped as {@code %XX}.
 */
final class SnapshotProgress {

    /** One table's progress; {@code lastKey} is the key text of its last row handed over, null when keyless. */
    record Table(long rows, long chunks, boolean done, List<String> lastKey) {
    }

    static final SnapshotProgress EMPTY = new SnapshotProgress(Map.of());

    private final Map<String, Table> tables;

    private SnapshotProgress(Map<String, Table> tables) {
        this.tables = tables;
    }

    /** The progress of {@code table} ({@code schema.table}), or null if none of its rows was handed over yet. */
    Table of(String table) {
        return tables.get(table);
    }

    /** After one more chunk of {@code table}: {@code rows} and {@code chunks} in all, ending at {@code lastKey}. */
    SnapshotProgress after(String table, long rows, long chunks, String[] lastKey, boolean done) {
        return with(table, new Table(rows, chunks, done,
                done || lastKey == null ? null : Collections.unmodifiableList(Arrays.asList(lastKey.clone()))));
    }

    /** {@code table} started again from its first row (a keyless table is read whole again). */
    SnapshotProgress restarted(String table) {
        return with(table, new Table(0, 0, false, null));
    }

    private SnapshotProgress with(String table, Table progress) {
        Map<String, Table> next = new LinkedHashMap<>(tables);
        next.put(table, progress);
        return new SnapshotProgress(Collections.unmodifiableMap(next));
    }

    String encode() {
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, Table> e : tables.entrySet()) {
            Table t = e.getValue();
            if (out.length() > 0) {
                out.append(';');
            }
            if (t.done()) {
                out.append('+');
            }
            escape(e.getKey(), out);
            out.append('=').append(t.rows()).append('/').append(t.chunks());
            if (t.lastKey() != null) {
                for (String k : t.lastKey()) {
                    escape(k, out.append(','));
                }
            }
        }
        return out.toString();
    }

    /** Reads what {@link #encode} wrote; a malformed text is reported in one line naming it. */
    static SnapshotProgress decode(String text) {
        Map<String, Table> tables = new LinkedHashMap<>();
        if (text.isEmpty()) {
            return EMPTY;
        }
        try {
            for (String entry : text.split(";", -1)) {
                boolean done = entry.startsWith("+");
                String body = done ? entry.substring(1) : entry;
                int eq = body.indexOf('=');
                String[] parts = body.substring(eq + 1).split(",", -1);
                int slash = parts[0].indexOf('/');
                long rows = Long.parseLong(parts[0].substring(0, slash));
                long chunks = Long.parseLong(parts[0].substring(slash + 1));
                List<String> key = null;
                if (parts.length > 1) {
                    key = new ArrayList<>();
                    for (int i = 1; i < parts.length; i++) {
                        key.add(unescape(parts[i]));
                    }
                    key = Collections.unmodifiableList(key);
                }
                tables.put(unescape(body.substring(0, eq)), new Table(rows, chunks, done, key));
            }
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("snapshot progress \"" + text + "\" is not what Ferry wrote", e);
        }
        return new SnapshotProgress(Collections.unmodifiableMap(tables));
    }

    private static void escape(String s, StringBuilder out) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '%', ';', ',', '=', '+' -> out.append('%').append(String.format("%02X", (int) c));
                default -> out.append(c);
            }
        }
    }

    private static String unescape(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                out.append((char) Integer.parseInt(s.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SnapshotProgress p && p.tables.equals(tables);
    }

    @Override
    public int hashCode() {
        return tables.hashCode();
    }

    @Override
    public String toString() {
        return encode();
    }
}
