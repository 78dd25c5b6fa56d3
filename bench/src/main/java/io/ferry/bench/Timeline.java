package io.ferry.bench;

import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Samples two counters (rows in Kafka, rows in the target) at a fixed interval on a daemon thread, so a run shows
 * whether the applier kept pace with the capture or did its work after it.
 */
final class Timeline {

    private final StringBuilder samples = new StringBuilder();
    private final Thread thread;
    private volatile boolean stopped;

    private Timeline(Duration every, long t0, LongSupplier first, LongSupplier second) {
        thread = new Thread(() -> {
            long next = t0;
            while (!stopped) {
                next += every.toNanos();
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(wait);
                }
                synchronized (samples) {
                    samples.append(String.format(Locale.ROOT, "%s%.0f: %d/%d", samples.length() > 0 ? ", " : "",
                            (System.nanoTime() - t0) / 1e9, first.getAsLong() / 1000, second.getAsLong() / 1000));
                }
            }
        }, "bench-timeline");
        thread.setDaemon(true);
    }

    static Timeline every(Duration every, long t0, LongSupplier first, LongSupplier second) {
        Timeline t = new Timeline(every, t0, first, second);
        t.thread.start();
        return t;
    }

    /** Stops sampling; the samples as {@code second: first/second (thousands)}. */
    String stop() {
        stopped = true;
        synchronized (samples) {
            return samples.toString();
        }
    }
}
