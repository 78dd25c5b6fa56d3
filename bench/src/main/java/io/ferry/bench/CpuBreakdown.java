package io.ferry.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time between {@link #start} and {@link #report}, split the way a 2-core bench needs to see it: this JVM's
 * threads grouped by what they do (capture, snapshot readers, producer I/O, broker, GC, JIT, Debezium), and the
 * PostgreSQL server's processes, which {@link CpuMeter} cannot see. Read from {@code /proc} (Linux only; elsewhere
 * it reports nothing). Threads that ended between the two readings show as "ended threads"; a thread's name is
 * what {@code /proc} keeps of it (15 characters).
 */
final class CpuBreakdown {

    /** Thread name prefix (as {@code /proc} truncates it, 15 characters) to the group it is counted in. */
    private static final Map<String, String> GROUPS = groups();

    private static final double TICK_MICROS = 10_000; // USER_HZ is 100 on Linux

    private final Path pgData;
    private final Map<Long, Long> threadTicks;
    private final long processTicks;
    private final long pgTicks;

    private CpuBreakdown(Path pgData, Map<Long, Long> threadTicks, long processTicks, long pgTicks) {
        this.pgData = pgData;
        this.threadTicks = threadTicks;
        this.processTicks = processTicks;
        this.pgTicks = pgTicks;
    }

    /** Starts measuring this JVM and the PostgreSQL server whose data directory is {@code pgData}. */
    static CpuBreakdown start(Path pgData) {
        return new CpuBreakdown(pgData, threads(new HashMap<>()), processTicks(Path.of("/proc/self")), pgTicks(pgData));
    }

    /** CPU time of all PostgreSQL processes of the server at {@code pgData} so far (ended backends included). */
    static long pgCpuNanos(Path pgData) {
        return (long) (pgTicks(pgData) * TICK_MICROS * 1000);
    }

    /** The CPU spent since {@link #start}, per group, as µs per event for {@code events} events. */
    Result stop(long events) {
        Map<Long, String> names = new HashMap<>();
        Map<Long, Long> now = threads(names);
        Map<String, Long> byGroup = new TreeMap<>();
        long counted = 0;
        for (Map.Entry<Long, Long> e : now.entrySet()) {
            long delta = e.getValue() - threadTicks.getOrDefault(e.getKey(), 0L);
            byGroup.merge(group(names.get(e.getKey())), delta, Long::sum);
            counted += delta;
        }
        long process = processTicks(Path.of("/proc/self")) - processTicks;
        byGroup.merge("ended threads", Math.max(0, process - counted), Long::sum);
        long pg = pgTicks(pgData) - pgTicks;
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("JVM (all threads)", micros(process, events));
        byGroup.forEach((g, ticks) -> {
            if (ticks > 0) {
                rows.put("JVM " + g, micros(ticks, events));
            }
        });
        rows.put("PostgreSQL processes", micros(pg, events));
        rows.put("JVM + PostgreSQL", micros(process + pg, events));
        return new Result(rows);
    }

    /** CPU per event by group, frozen when measuring stopped. */
    record Result(Map<String, String> microsPerEvent) {
        /** Adds "PHASE: CPU per row, GROUP" rows (µs), PostgreSQL's last. */
        void addTo(ResultTable t, String phase) {
            microsPerEvent.forEach((group, micros) -> t.add(phase + ": CPU per row, " + group, micros, "µs", ""));
        }
    }

    private static String micros(long ticks, long events) {
        return String.format(Locale.ROOT, "%.1f", ticks * TICK_MICROS / events);
    }

    private static String group(String name) {
        for (Map.Entry<String, String> g : GROUPS.entrySet()) {
            if (name.startsWith(g.getKey())) {
                return g.getValue();
            }
        }
        return "other threads";
    }

    private static Map<String, String> groups() {
        Map<String, String> g = new LinkedHashMap<>();
        g.put("ferry-capture", "ferry-capture thread");
        g.put("ferry-snapshot", "ferry-snapshot readers");
        g.put("kafka-producer-", "producer I/O threads");
        g.put("debezium", "Debezium threads");
        g.put("pool-", "Debezium threads");
        for (String broker : List.of("data-plane", "kafka-", "broker-", "controller-", "raft-", "ReplicaFetcher",
                "ExpirationReap", "LogDirFailure", "transaction-", "group-", "share-", "quorum-", "executor-",
                "scheduler-", "TxnMarker", "ThrottledChan", "metrics-", "kafka-scheduler", "KafkaRaft",
                "node-", "remote-", "AddPartitions", "ProducerId", "ClientQuota", "socket-")) {
            g.put(broker, "broker and Kafka clients");
        }
        g.put("GC ", "GC");
        g.put("G1 ", "GC");
        g.put("C1 Compiler", "JIT");
        g.put("C2 Compiler", "JIT");
        return g;
    }

    private static Map<Long, Long> threads(Map<Long, String> names) {
        Map<Long, Long> ticks = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                String stat = read(task.resolve("stat"));
                if (stat == null) {
                    continue;
                }
                long tid = Long.parseLong(task.getFileName().toString());
                int open = stat.indexOf('(');
                int close = stat.lastIndexOf(')');
                names.put(tid, stat.substring(open + 1, close));
                String[] f = stat.substring(close + 2).split(" ");
                ticks.put(tid, Long.parseLong(f[11]) + Long.parseLong(f[12]));
            }
        } catch (IOException | RuntimeException e) {
            return ticks;
        }
        return ticks;
    }

    /** utime + stime of a process, plus that of its children it has waited for. */
    private static long processTicks(Path proc) {
        String stat = read(proc.resolve("stat"));
        if (stat == null) {
            return 0;
        }
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
    }

    /**
     * The postmaster's CPU, its reaped children's (ended backends) and its live children's: every PostgreSQL process
     * of the server. A backend reaped while the children are listed would be missed (or counted twice), so the sum is
     * taken again until the postmaster's own figures did not move during the listing.
     */
    private static long pgTicks(Path pgData) {
        String pidFile = read(pgData.resolve("postmaster.pid"));
        if (pidFile == null) {
            return 0;
        }
        String postmaster = pidFile.lines().findFirst().orElse("").trim();
        Path proc = Path.of("/proc", postmaster);
        long sum = 0;
        for (int attempt = 0; attempt < 10; attempt++) {
            long before = processTicks(proc);
            sum = before + childTicks(postmaster);
            if (processTicks(proc) == before) {
                return sum;
            }
        }
        return sum;
    }

    private static long childTicks(String parent) {
        long sum = 0;
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString()
                .chars().allMatch(Character::isDigit))) {
            for (Path p : procs) {
                String stat = read(p.resolve("stat"));
                if (stat != null && stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1].equals(parent)) {
                    sum += processTicks(p);
                }
            }
        } catch (IOException | RuntimeException e) {
            return sum;
        }
        return sum;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
