package io.ferry.sink.jdbc;

import java.util.HashMap;
import java.util.Map;

/**
 * Per target table, whether the next run of new rows is worth trying as plain inserts. A try that meets a key the
 * table already holds is rolled back and costs one wasted write; after {@code k} such tries in a row the next
 * {@code 2^k - 1} runs (at most {@link #MAX_SKIPPED}) go straight to upsert, so a table copied again over its own
 * rows pays for about one try in {@value #MAX_SKIPPED} runs, and a resumed snapshot is back on inserts once past the
 * rows it had written.
 */
final class CollisionBackoff {

    static final int MAX_SKIPPED = 63;

    private static final class State {
        int collisions;
        int skip;
    }

    private final Map<String, State> tables = new HashMap<>();

    /** Whether to try the next run of new rows of {@code table} as inserts; counts a skipped run. */
    boolean tryInserts(String table) {
        State s = tables.get(table);
        if (s == null || s.skip == 0) {
            return true;
        }
        s.skip--;
        return false;
    }

    /** The try inserted every row. */
    void inserted(String table) {
        tables.remove(table);
    }

    /** The try met a key the table holds. */
    void collided(String table) {
        State s = tables.computeIfAbsent(table, t -> new State());
        s.collisions = Math.min(s.collisions + 1, 6);
        s.skip = Math.min((1 << s.collisions) - 1, MAX_SKIPPED);
    }
}
