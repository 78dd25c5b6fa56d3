package io.ferry.cli;

import io.ferry.core.SourceStatus;
import io.ferry.core.SourceStatus.TableProgress;
import java.util.List;
import java.util.Locale;

/**
 * The one-line status {@code ferry run} prints every few seconds: what each half is doing, throughput,
 * lag, snapshot progress and the tables copied on request.
 *
 * @param applyState       null when the pipeline has no sink
 * @param down             one line per part that is down ({@link io.ferry.core.health.PartState#describe})
 * @param eventsPerSecond  events committed to Kafka per second over the last interval (to the target, in a process
 *                         that only applies)
 * @param newestMicros     source commit time of the newest change applied (or, without a sink, captured)
 * @param partitions       the table partitions this process applies, shown when it runs only the apply half
 */
record StatusLine(String pipeline, String captureState, String applyState, List<String> down, double eventsPerSecond,
                  long captured, long applied, long newestMicros, SourceStatus source, List<String> partitions) {

    StatusLine(String pipeline, String captureState, String applyState, List<String> down, double eventsPerSecond,
               long captured, long applied, long newestMicros, SourceStatus source) {
        this(pipeline, captureState, applyState, down, eventsPerSecond, captured, applied, newestMicros, source,
                List.of());
    }

    String format(long nowMicros) {
        StringBuilder b = new StringBuilder(160);
        b.append('[').append(pipeline).append("] capture ").append(captureState);
        if (applyState != null) {
            b.append(" | apply ").append(applyState);
        }
        for (String d : down) {
            b.append(" | ").append(d);
        }
        if (!Role.ELSEWHERE.equals(captureState)) {
            b.append(String.format(Locale.ROOT, " | %,.0f ev/s | captured %,d", eventsPerSecond, captured));
        } else {
            b.append(String.format(Locale.ROOT, " | %,.0f ev/s", eventsPerSecond));
        }
        if (applyState != null && !Role.ELSEWHERE.equals(applyState)) {
            b.append(String.format(Locale.ROOT, " | applied %,d", applied));
        }
        if (!partitions.isEmpty()) {
            b.append(" | partitions ").append(String.join(",", partitions));
        }
        if (newestMicros > 0) {
            double seconds = Math.max(0, nowMicros - newestMicros) / 1e6;
            // With no change flowing, now − last commit time measures how quiet the source is, not lag.
            b.append(eventsPerSecond > 0
                    ? String.format(Locale.ROOT, " | lag %.1fs", seconds)
                    : String.format(Locale.ROOT, " | idle, last change %.0fs ago", seconds));
        }
        if (source != null && !source.tables().isEmpty() && source.tables().stream().anyMatch(t -> !t.done())) {
            b.append(" | snapshot");
            for (TableProgress t : source.tables()) {
                b.append(' ').append(t.table()).append(' ').append(progress(t));
            }
        }
        if (source != null && !source.copies().isEmpty()) {
            b.append(" | copying");
            for (SourceStatus.Copy c : source.copies()) {
                b.append(' ').append(c.table()).append(' ').append(c.running()
                        ? String.format(Locale.ROOT, "%,d rows", c.rowsDone()) : "queued");
            }
        }
        return b.toString();
    }

    private static String progress(TableProgress t) {
        if (t.done()) {
            return "done";
        }
        if (t.rowsEstimated() <= 0) {
            return String.format(Locale.ROOT, "%,d rows", t.rowsDone());
        }
        long pct = Math.min(99, t.rowsDone() * 100 / t.rowsEstimated());
        return String.format(Locale.ROOT, "%d%% (%,d/%,d)", pct, t.rowsDone(), t.rowsEstimated());
    }
}
