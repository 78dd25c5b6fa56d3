package io.ferry.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Rows as a multiset (row → how often it is there), for tests of tables without a key. */
public final class RowCounts {

    private RowCounts() {
    }

    /** The table's rows, each with how often it is there, as applying the events in order leaves them. */
    public static Map<List<Object>, Integer> fold(List<ChangeEvent> events) {
        Map<List<Object>, Integer> rows = new HashMap<>();
        for (ChangeEvent e : events) {
            if (e.op() == Operation.TRUNCATE) {
                rows.clear();
                continue;
            }
            if (e.before() != null) {
                List<Object> row = List.of(e.before());
                rows.merge(row, -1, Integer::sum);
                rows.remove(row, 0);
            }
            if (e.after() != null) {
                rows.merge(List.of(e.after()), 1, Integer::sum);
            }
        }
        return rows;
    }

    /** Each row whose count differs, with the table's count and the events' (0 where absent). */
    public static Map<List<Object>, List<Integer>> difference(Map<List<Object>, Integer> table,
                                                              Map<List<Object>, Integer> events) {
        Map<List<Object>, List<Integer>> out = new HashMap<>();
        Set<List<Object>> rows = new HashSet<>(table.keySet());
        rows.addAll(events.keySet());
        for (List<Object> row : rows) {
            int want = table.getOrDefault(row, 0);
            int got = events.getOrDefault(row, 0);
            if (want != got) {
                out.put(row, List.of(want, got));
            }
        }
        return out;
    }

    /** Asserts that applying {@code events} in order leaves exactly the table's rows, each as often. */
    public static void assertFoldsTo(Map<List<Object>, Integer> table, List<ChangeEvent> events) {
        assertThat(difference(table, fold(events))).as("rows whose count differs: table's, events'").isEmpty();
    }

    /**
     * {@link #assertFoldsTo} of {@code table}'s events in {@code committed} (what a run committed before its crash)
     * followed by those in {@code since} (what the restarted run handed over).
     */
    public static void assertFoldsTo(Map<List<Object>, Integer> rows, String table, List<ChangeEvent> committed,
                                     List<ChangeEvent> since) {
        List<ChangeEvent> events = new ArrayList<>();
        for (List<ChangeEvent> part : List.of(committed, since)) {
            for (ChangeEvent e : part) {
                if (e.table().table().equals(table)) {
                    events.add(e);
                }
            }
        }
        assertFoldsTo(rows, events);
    }
}
