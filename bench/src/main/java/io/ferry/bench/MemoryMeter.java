package io.ferry.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import com.sun.management.GcInfo;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.management.ListenerNotFoundException;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * The memory a run needed: the largest heap left after any collection (an upper bound of what the run really holds:
 * old-generation garbage not yet collected counts too), the largest heap in use at any moment (sampled every 200 ms),
 * and the process's peak RSS. The heap after collections is the number that must stay flat as the table grows; heap
 * in use follows whatever the collector lets pile up below {@code -Xmx}.
 */
final class MemoryMeter implements AutoCloseable {

    private final List<MemoryPoolMXBean> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP).toList();
    private final Thread sampler;
    private volatile boolean stopped;
    private volatile long maxLiveAfterGc;
    private volatile long maxUsed;

    private final NotificationListener afterGc = (notification, handback) -> {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
            return;
        }
        GcInfo info = GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData()).getGcInfo();
        long used = 0;
        for (MemoryPoolMXBean p : heapPools) {
            MemoryUsage u = info.getMemoryUsageAfterGc().get(p.getName());
            used += u == null ? 0 : u.getUsed();
        }
        maxLiveAfterGc = Math.max(maxLiveAfterGc, used);
    };

    MemoryMeter() {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((NotificationEmitter) gc).addNotificationListener(afterGc, null, null);
        }
        sampler = new Thread(this::sample, "bench-memory");
        sampler.setDaemon(true);
        sampler.start();
    }

    private void sample() {
        while (!stopped) {
            long used = 0;
            for (MemoryPoolMXBean p : heapPools) {
                used += p.getUsage().getUsed();
            }
            maxUsed = Math.max(maxUsed, used);
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Adds the heap limit, the peaks and the peak RSS to {@code table}, each as its own row. */
    void report(ResultTable table, String phase) {
        table.add(phase + ": heap limit (-Xmx)", mib(Runtime.getRuntime().maxMemory()), "MiB", "");
        table.add(phase + ": largest heap left after a GC", mib(maxLiveAfterGc), "MiB",
                "after every collection, young ones too");
        table.add(phase + ": largest heap in use", mib(maxUsed), "MiB", "includes garbage not yet collected");
        table.add(phase + ": peak RSS of the JVM", peakRss(), "MiB", "VmHWM; broker, capture and their buffers");
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%,d", bytes >> 20);
    }

    /** Linux's high-water mark of resident memory for this process, or "?" elsewhere. */
    private static String peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    return String.format(Locale.ROOT, "%,d", kib >> 10);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux, or an unexpected format: say so in the table rather than fail the run
        }
        return "?";
    }

    @Override
    public void close() throws InterruptedException {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            try {
                ((NotificationEmitter) gc).removeNotificationListener(afterGc);
            } catch (ListenerNotFoundException e) {
                // never added to this one: nothing to remove
            }
        }
        stopped = true;
        sampler.interrupt();
        sampler.join();
    }
}
