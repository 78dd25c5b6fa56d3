package io.ferry.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;

/**
 * CPU time spent by this JVM (broker included; PostgreSQL runs in its own processes) and by its {@code ferry-capture}
 * threads, between {@link #start} and {@link #perEvent}. CPU per event does not depend on how many cores other
 * processes leave the benchmark, so it compares two builds on a shared machine where events/s cannot.
 */
final class CpuMeter {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final long processStart;
    private final long captureStart;

    private CpuMeter(long processStart, long captureStart) {
        this.processStart = processStart;
        this.captureStart = captureStart;
    }

    static CpuMeter start() {
        return new CpuMeter(processCpuNanos(), captureCpuNanos());
    }

    /** "X µs JVM, Y µs capture thread per event" for {@code events} handled since {@link #start}. */
    String perEvent(long events) {
        double process = (processCpuNanos() - processStart) / 1e3 / events;
        double capture = (captureCpuNanos() - captureStart) / 1e3 / events;
        return String.format(java.util.Locale.ROOT, "%.2f µs JVM, %.2f µs ferry-capture", process, capture);
    }

    /** Events per CPU-second of the whole JVM since {@link #start}: a rate that other processes' load leaves alone. */
    double eventsPerProcessCpuSecond(long events) {
        return events / ((processCpuNanos() - processStart) / 1e9);
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** The capture loop's threads (a restarted pipeline starts new ones; finished ones no longer count). */
    private static long captureCpuNanos() {
        long sum = 0;
        for (ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (t != null && t.getThreadName().startsWith("ferry-capture")) {
                sum += Math.max(0, THREADS.getThreadCpuTime(t.getThreadId()));
            }
        }
        return sum;
    }
}
