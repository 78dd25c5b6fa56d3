package io.ferry.core.snapshot;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hands a snapshot's work to its readers: a table without a usable key whole (one reader, one cursor), a keyed table
 * as key ranges of {@code chunkRows} rows, so that idle readers read later ranges of a table while another reads an
 * earlier one. The reader that takes a range finds its upper key itself ({@link Boundary}, on its own connection, so
 * in its own snapshot), one range of a table at a time. No range is given out more than {@code window} ranges ahead
 * of the first one not yet handed over ({@link #handedOver}), which bounds what {@link ChunkOrder} holds back.
 * Readers call {@link #take}; the thread that hands chunks over calls {@link #handedOver}. Thread-safe.
 *
 * @param <T> the caller's table
 */
public final class ChunkSchedule<T> {

    /** Finds where a range ends, on the calling reader's connection. */
    @FunctionalInterface
    public interface Boundary<T> {
        /**
         * The key of the {@code rows}-th row after {@code after} (null: from the first row) in key order, or null
         * when fewer rows follow.
         */
        String[] after(T table, String[] after, int rows) throws Exception;
    }

    /**
     * A reader's share: the keys in {@code (from, to]} of a keyed table ({@code from} null: from the first row;
     * {@code to} null: the table's tail, read as at most {@code chunkRows} rows), or a whole table. {@code seq}
     * numbers a table's ranges in key order from 0.
     */
    public record Range<T>(T table, long seq, String[] from, String[] to, boolean whole) {

        /** Whether this is a keyed table's last range, open at its end. */
        public boolean tail() {
            return !whole && to == null;
        }
    }

    private static final class Plan {
        final boolean keyed;
        String[] next;
        long seq;
        long handed;
        /** A reader is finding this table's next boundary, or reads its tail: nothing more can be given out. */
        boolean busy;
        boolean exhausted;

        Plan(boolean keyed, String[] after) {
            this.keyed = keyed;
            this.next = after;
        }
    }

    private final Map<T, Plan> plans = new LinkedHashMap<>();
    private final int chunkRows;
    private final int window;

    /**
     * @param window ranges of one table given out ahead of the first not yet handed over, at least 1
     */
    public ChunkSchedule(int chunkRows, int window) {
        if (chunkRows <= 0 || window <= 0) {
            throw new IllegalArgumentException("chunkRows and window must be positive, got " + chunkRows + " and "
                    + window);
        }
        this.chunkRows = chunkRows;
        this.window = window;
    }

    /**
     * Adds a table, read in the order added: keyed ones in ranges after {@code after} (the last key an earlier run
     * handed over, or null), others whole.
     */
    public synchronized void add(T table, boolean keyed, String[] after) {
        if (plans.putIfAbsent(table, new Plan(keyed, keyed ? after : null)) != null) {
            throw new IllegalArgumentException(table + " is scheduled twice");
        }
    }

    /**
     * The next share for a reader, waiting while everything left is held up (the window, another reader's boundary
     * query or tail); null once nothing is left. A range's upper key is found here through {@code boundary}.
     */
    public Range<T> take(Boundary<T> boundary) throws Exception {
        T table;
        Plan plan;
        String[] from;
        synchronized (this) {
            while (true) {
                Map.Entry<T, Plan> pick = null;
                boolean pending = false;
                for (Map.Entry<T, Plan> e : plans.entrySet()) {
                    Plan p = e.getValue();
                    if (p.exhausted) {
                        continue;
                    }
                    if (!p.keyed) {
                        p.exhausted = true;
                        return new Range<>(e.getKey(), 0, null, null, true);
                    }
                    pending = true;
                    if (!p.busy && p.seq < p.handed + window) {
                        pick = e;
                        break;
                    }
                }
                if (pick != null) {
                    table = pick.getKey();
                    plan = pick.getValue();
                    plan.busy = true;
                    from = plan.next;
                    break;
                }
                if (!pending) {
                    return null;
                }
                wait();
            }
        }
        String[] to;
        try {
            to = boundary.after(table, from, chunkRows);
        } catch (Exception | Error e) {
            synchronized (this) {
                plan.busy = false;
                notifyAll();
            }
            throw e;
        }
        synchronized (this) {
            long seq = plan.seq++;
            if (to != null) {
                plan.next = to;
                plan.busy = false;
                notifyAll();
            }
            return new Range<>(table, seq, from, to, false);
        }
    }

    /**
     * The tail {@code range} was read whole: {@code full} says it filled {@code chunkRows} (rows came in meanwhile,
     * when reading rows as they are now), so the table goes on after {@code lastKey}; else the table is done.
     */
    public synchronized void tailRead(Range<T> range, boolean full, String[] lastKey) {
        Plan plan = plans.get(range.table());
        if (full) {
            plan.next = lastKey;
        } else {
            plan.exhausted = true;
        }
        plan.busy = false;
        notifyAll();
    }

    /** One more range of a keyed {@code table} was handed over, in order: readers may go one range further. */
    public synchronized void handedOver(T table) {
        Plan plan = plans.get(table);
        if (plan != null && plan.keyed) {
            plan.handed++;
            notifyAll();
        }
    }

    /**
     * How many readers the work can keep busy, at most {@code parallelism}: per table the ranges its estimated
     * rows fill, and {@code parallelism} for a table whose estimate is unknown (0).
     */
    public static int readers(int parallelism, int chunkRows, List<Long> estimatedRows) {
        long wanted = 0;
        for (long rows : estimatedRows) {
            wanted += rows <= 0 ? parallelism : (rows + chunkRows - 1) / chunkRows;
            if (wanted >= parallelism) {
                return parallelism;
            }
        }
        return (int) Math.max(1, wanted);
    }
}
