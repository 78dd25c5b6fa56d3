package io.ferry.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tables asked to be copied while streaming goes on ({@link Source#requestSnapshot}): accepted from any thread,
 * started by the capture thread at a transaction boundary, one at a time. While any wait, every position the
 * capture hands over carries them in its offsets record ({@value #QUEUE}), so a restart continues the queue; the
 * source itself keeps where the running copy is. Shared by the PostgreSQL and MySQL/MariaDB sources.
 */
public final class RequestedCopies {

    private static final Logger LOG = LoggerFactory.getLogger(RequestedCopies.class);
    /** The offsets record's field of the tables still to copy, in the source's {@link QueueText}. */
    public static final String QUEUE = "adhoc_queue";

    /** How a source writes the queue into its offsets record and reads it back. */
    public interface QueueText {
        String encode(Collection<TableId> tables);

        List<TableId> decode(String text);
    }

    /**
     * Quoted {@code "schema"."table"} names separated by commas; the form for sources without one of their own.
     */
    public static final QueueText QUOTED_NAMES = new QueueText() {
        @Override
        public String encode(Collection<TableId> tables) {
            List<String> names = new ArrayList<>();
            for (TableId t : tables) {
                names.add(TableSelector.quote(t));
            }
            return String.join(",", names);
        }

        @Override
        public List<TableId> decode(String text) {
            List<TableId> out = new ArrayList<>();
            int start = 0;
            boolean quoted = false;
            for (int i = 0; i <= text.length(); i++) {
                if (i == text.length() || text.charAt(i) == ',' && !quoted) {
                    if (i > start) {
                        TableSelector.Entry e = TableSelector.parse(text.substring(start, i), "");
                        out.add(new TableId(e.schema(), e.table()));
                    }
                    start = i + 1;
                } else if (text.charAt(i) == '"') {
                    quoted = !quoted; // a doubled quote inside a name flips twice
                }
            }
            return out;
        }
    };

    private final QueueText text;

    private final Object lock = new Object();
    private final Set<TableId> waiting = new LinkedHashSet<>();
    /** Whether a table was accepted that no position handed over carries yet. */
    private boolean unwritten;
    private volatile String queueText;
    private volatile TableId running;
    private final AtomicLong rowsDone = new AtomicLong();
    /** The handler of the current run, on the capture thread. */
    private Carrier carrier;

    /** @param text how the queue is written into and read from positions */
    public RequestedCopies(QueueText text) {
        this.text = text;
    }

    /** Queues the tables not waiting already; any thread. */
    public void accept(Collection<TableId> tables) {
        synchronized (lock) {
            if (waiting.addAll(tables)) {
                unwritten = true;
                queueText = text.encode(waiting);
            }
        }
        LOG.info("Copy of {} requested; it starts at the next transaction boundary", tables);
    }

    /**
     * Puts the queue the resume position carries first; tables accepted by this process and not yet durable (a
     * retry after a lost connection) follow. The capture thread, before it streams.
     */
    public void restore(Map<String, Object> resume) {
        Object queue = resume == null ? null : resume.get(QUEUE);
        synchronized (lock) {
            Set<TableId> accepted = new LinkedHashSet<>(waiting);
            waiting.clear();
            if (queue != null) {
                waiting.addAll(text.decode(queue.toString()));
                LOG.info("Continuing the requested copies of {}", waiting);
            }
            unwritten = !waiting.containsAll(accepted);
            waiting.addAll(accepted);
            queueText = waiting.isEmpty() ? null : text.encode(waiting);
        }
        running = null;
    }

    /**
     * When a table was accepted since the last call, hands the newest boundary of this run over again, now carrying
     * the queue, and commits it: a crash before the copy's turn keeps the request. Nothing before this run's first
     * boundary (a position before the resume point is never handed over). Capture thread, between transactions.
     */
    public void writeQueue() {
        Carrier c = carrier;
        if (c != null && c.lastBoundary != null && takeUnwritten()) {
            c.boundary(c.lastBoundary);
            c.flush();
        }
    }

    /** Whether a table accepted since the last call is carried by no position yet; clears the mark. */
    public boolean takeUnwritten() {
        synchronized (lock) {
            boolean was = unwritten;
            unwritten = false;
            return was;
        }
    }

    public boolean hasWaiting() {
        return queueText != null;
    }

    public Set<TableId> waiting() {
        synchronized (lock) {
            return new LinkedHashSet<>(waiting);
        }
    }

    /**
     * The capture thread starts reading {@code table}: it leaves the queue, and counts as running when it was
     * requested. Returns whether it was.
     */
    public boolean starting(TableId table) {
        synchronized (lock) {
            if (!waiting.remove(table)) {
                return false;
            }
            queueText = waiting.isEmpty() ? null : text.encode(waiting);
        }
        rowsDone.set(0);
        running = table;
        return true;
    }

    /**
     * Puts a running copy back in the queue while something else holds the capture thread, so that a crash meanwhile
     * copies the table again from its start; {@link #starting} takes it out again.
     */
    public void putBack(TableId table) {
        synchronized (lock) {
            waiting.add(table);
            queueText = text.encode(waiting);
        }
    }

    /** A restart goes on with the copy of {@code table} that its position carries, after {@code rows} row(s). */
    public void resumed(TableId table, long rows) {
        rowsDone.set(rows);
        running = table;
    }

    /** The running copy handed over its last row. */
    public void done() {
        running = null;
    }

    /** Drops the tables of {@code requested} still waiting: the catalog no longer shows them as copyable. */
    public void forget(Collection<TableId> requested) {
        synchronized (lock) {
            for (TableId t : requested) {
                if (waiting.remove(t)) {
                    LOG.warn("The requested copy of {} does not run: the table was dropped or renamed, or can no"
                            + " longer be captured", t);
                }
            }
            queueText = waiting.isEmpty() ? null : text.encode(waiting);
        }
    }

    /** The running copy first, then those waiting; any thread. */
    public List<SourceStatus.Copy> status() {
        List<SourceStatus.Copy> out = new ArrayList<>();
        TableId r = running;
        if (r != null) {
            out.add(new SourceStatus.Copy(r, true, rowsDone.get()));
        }
        for (TableId t : waiting()) {
            out.add(new SourceStatus.Copy(t, false, 0));
        }
        return out;
    }

    /**
     * {@code handler} with the queue written into every position handed to it, and the running copy counted; one
     * per run of the capture thread.
     */
    public ChangeHandler carriedBy(ChangeHandler handler) {
        carrier = new Carrier(handler);
        return carrier;
    }

    /** The position a source handed over, without the queue this class added. */
    public static SourcePosition unwrap(SourcePosition p) {
        return p instanceof Queued q ? q.inner : p;
    }

    private SourcePosition carry(SourcePosition p) {
        String q = queueText;
        return q == null ? p : new Queued(p, q);
    }

    /** A position and the queue of copies at the time it was handed over; only resuming reads the queue. */
    private record Queued(SourcePosition inner, String queue) implements SourcePosition {
        @Override
        public void describe(Fields out) {
            inner.describe(out);
        }

        @Override
        public void describeResume(Fields out) {
            inner.describeResume(out);
            out.put(QUEUE, queue);
        }

        @Override
        public String toString() {
            return inner.toString();
        }
    }

    private final class Carrier implements ChangeHandler {
        private final ChangeHandler handler;
        private SourcePosition lastBoundary;

        Carrier(ChangeHandler handler) {
            this.handler = handler;
        }

        @Override
        public Optional<TableSchema> published(TableId table) {
            return handler.published(table);
        }

        @Override
        public void schema(TableSchema schema) {
            handler.schema(schema);
        }

        @Override
        public void change(ChangeEvent e) {
            if (e.op() == Operation.READ && e.table().equals(running)) {
                rowsDone.incrementAndGet();
            }
            SourcePosition p = carry(e.position());
            handler.change(p == e.position() ? e
                    : new ChangeEvent(e.op(), e.schema(), e.before(), e.after(), p, e.txId(), e.commitMicros()));
        }

        @Override
        public void boundary(SourcePosition position) {
            lastBoundary = unwrap(position);
            handler.boundary(carry(lastBoundary));
        }

        @Override
        public void flush() {
            handler.flush();
        }

        @Override
        public void idle() {
            handler.idle();
        }
    }
}
