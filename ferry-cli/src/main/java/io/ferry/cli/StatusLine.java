package io.ferry.cli;

import io.ferry.core.SourceStatus;
import io.ferry.core.SourceStatus.TableProgress;
import java.util.Locale;

/** Formats the one-line status {@code ferry run} prints every few seconds. */
final class StatusLine {

    private StatusLine() {
    }

    /**
     * @param eventsPerSecond committed events per second over the last interval
     * @param nowMicros       the current time, for source lag
     */
    static String format(String pipeline, String state, SourceStatus source, double eventsPerSecond,
                         long eventsTotal, long nowMicros) {
        StringBuilder b = new StringBuilder(120);
        b.append('[').append(pipeline).append("] ").append(state);
        b.append(String.format(Locale.ROOT, " | %,.0f ev/s | %,d events", eventsPerSecond, eventsTotal));
        if (source != null) {
            if (source.lastCommitMicros() > 0) {
                double lag = Math.max(0, nowMicros - source.lastCommitMicros()) / 1e6;
                b.append(String.format(Locale.ROOT, " | lag %.1fs", lag));
            }
            if (source.position() != null && !source.position().isEmpty()) {
                b.append(" | at ").append(source.position());
            }
            if (!source.tables().isEmpty() && source.tables().stream().anyMatch(t -> !t.done())) {
                b.append(" | snapshot");
                for (TableProgress t : source.tables()) {
                    b.append(' ').append(t.table()).append(' ').append(percent(t));
                }
            }
        }
        return b.toString();
    }

    private static String percent(TableProgress t) {
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
