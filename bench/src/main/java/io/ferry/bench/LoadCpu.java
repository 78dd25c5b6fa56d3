package io.ferry.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Where the CPU of an initial load goes, between {@link #start} and {@link #perRow}: this JVM's threads grouped as
 * applier (poll and decode), applier writer (COPY), capture (snapshot readers, publisher), and the rest (broker, GC,
 * JIT); and PostgreSQL's processes grouped by the database their backend serves ({@code bench}: snapshot reads and
 * the walsender; {@code replica}: the sink's COPY), read from {@code /proc}. CPU per row does not depend on how many
 * cores other processes leave, so it compares builds on a shared machine.
 */
final class LoadCpu {

    private static final long TICKS_PER_SECOND = 100; // USER_HZ on Linux

    private final Path postgresData;
    private final Map<Long, Long> threadStart;
    private final Map<Long, Long> pgStart;
    private final long processStart;

    private LoadCpu(Path postgresData) {
        this.postgresData = postgresData;
        this.threadStart = threadCpu();
        this.pgStart = pgCpu(postgresData);
        this.processStart = processCpuNanos();
    }

    /** Starts counting; {@code postgresData} is the data directory of the one server (its postmaster.pid). */
    static LoadCpu start(Path postgresData) {
        return new LoadCpu(postgresData);
    }

    /** µs of CPU per row for each group since {@link #start}, largest first, in one line. */
    String perRow(long rows) {
        Map<String, Long> groups = new LinkedHashMap<>();
        Map<Long, Long> now = threadCpu();
        long threadsTotal = 0;
        for (Map.Entry<Long, Long> e : now.entrySet()) {
            long delta = e.getValue() - threadStart.getOrDefault(e.getKey(), 0L);
            groups.merge(jvmGroup(threadNames.getOrDefault(e.getKey(), "")), delta, Long::sum);
            threadsTotal += delta;
        }
        // Threads that ended in between (compiler threads come and go, the snapshot's readers end with it).
        long process = processCpuNanos() - processStart;
        groups.merge("ended threads", Math.max(0, process - threadsTotal), Long::sum);
        Map<Long, Long> pgNow = pgCpu(postgresData);
        Map<String, Long> pgGroups = new LinkedHashMap<>();
        for (Map.Entry<Long, Long> e : pgNow.entrySet()) {
            long delta = e.getValue() - pgStart.getOrDefault(e.getKey(), 0L);
            pgGroups.merge(pgGroup(e.getKey()), delta, Long::sum);
        }
        return "JVM " + groups(groups, rows) + String.format(Locale.ROOT, " (all %.2f)", process / 1e3 / rows)
                + "; PostgreSQL " + groups(pgGroups, rows) + String.format(Locale.ROOT, " (all %.2f) µs/row",
                pgGroups.values().stream().mapToLong(Long::longValue).sum() / 1e3 / rows);
    }

    private static String groups(Map<String, Long> groups, long rows) {
        StringBuilder sb = new StringBuilder();
        groups.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> sb.append(String.format(Locale.ROOT, "%s%s %.2f", sb.length() > 0 ? ", " : "",
                        e.getKey(), e.getValue() / 1e3 / rows)));
        return sb.toString();
    }

    /** Linux thread names are Java's cut to 15 characters. */
    private static String jvmGroup(String thread) {
        if (thread.startsWith("ferry-apply-wri")) {
            return "applier writer";
        }
        if (thread.startsWith("ferry-apply")) {
            return "applier";
        }
        if (thread.startsWith("ferry-capture") || thread.startsWith("ferry-snapshot")) {
            return "capture";
        }
        if (thread.startsWith("GC Thread") || thread.startsWith("G1 ")) {
            return "GC";
        }
        if (thread.startsWith("C1 Compiler") || thread.startsWith("C2 Compiler")) {
            return "JIT";
        }
        if (thread.startsWith("kafka-producer")) {
            return "producer";
        }
        if (thread.startsWith("data-plane") || thread.startsWith("kafka-") || thread.startsWith("broker-")
                || thread.startsWith("controller-") || thread.startsWith("group-coordin")
                || thread.startsWith("quorum-") || thread.startsWith("TxnMarker") || thread.startsWith("transaction")) {
            return "broker";
        }
        return "other";
    }

    private final Map<Long, String> threadNames = new HashMap<>();

    /** CPU nanoseconds of this process's threads, by Linux thread id, from /proc/self/task. */
    private Map<Long, Long> threadCpu() {
        Map<Long, Long> out = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    long tid = Long.parseLong(t.getFileName().toString());
                    String s = Files.readString(t.resolve("stat"), StandardCharsets.US_ASCII);
                    String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
                    out.put(tid, (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 1_000_000_000L / TICKS_PER_SECOND);
                    threadNames.put(tid, s.substring(s.indexOf('(') + 1, s.lastIndexOf(')')));
                } catch (IOException | RuntimeException e) {
                    // the thread ended while we looked
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** Key: pid; for the postmaster, -pid holds the CPU of children it has reaped (backends that ended). */
    private final Map<Long, String> pgNames = new HashMap<>();

    private String pgGroup(long pid) {
        if (pid < 0) {
            return "ended backends";
        }
        String title = pgNames.getOrDefault(pid, "");
        if (title.startsWith("postgres: postgres bench")) {
            return "source (bench)";
        }
        if (title.startsWith("postgres: postgres replica")) {
            return "target (replica)";
        }
        return "server";
    }

    /** CPU nanoseconds of the postmaster and its children, by pid (and the reaped children's under -postmaster). */
    private Map<Long, Long> pgCpu(Path data) {
        Map<Long, Long> out = new HashMap<>();
        long postmaster;
        try {
            postmaster = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
        } catch (IOException | RuntimeException e) {
            return out;
        }
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                long pid = Long.parseLong(name);
                try {
                    String[] stat = stat(p);
                    long ppid = Long.parseLong(stat[1]);
                    if (pid != postmaster && ppid != postmaster) {
                        continue;
                    }
                    long ticks = Long.parseLong(stat[11]) + Long.parseLong(stat[12]);
                    out.put(pid, ticks * 1_000_000_000L / TICKS_PER_SECOND);
                    if (pid == postmaster) {
                        out.put(-pid, (Long.parseLong(stat[13]) + Long.parseLong(stat[14])) * 1_000_000_000L
                                / TICKS_PER_SECOND);
                    }
                    pgNames.computeIfAbsent(pid, k -> cmdline(p));
                } catch (IOException | RuntimeException e) {
                    // the process ended while we looked
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /** /proc/pid/stat's fields after the command name: [0] state, [1] ppid, ... [11] utime, [12] stime, [13] cutime. */
    private static String[] stat(Path proc) throws IOException {
        String s = Files.readString(proc.resolve("stat"), StandardCharsets.US_ASCII);
        return s.substring(s.lastIndexOf(')') + 2).split(" ");
    }

    private static String cmdline(Path proc) {
        try {
            return new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ').trim();
        } catch (IOException e) {
            return "";
        }
    }
}
