package io.ferry.bench;

import io.ferry.cli.PipelineRunner;
import io.ferry.cli.Role;
import io.ferry.core.config.PipelineConfig;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * PostgreSQL → Kafka → PostgreSQL (database {@code bench} → database {@code replica} on the same server):
 * snapshot rows/s until the target has every row, sustained streaming changes/s measured at the target, and
 * commit-to-visible latency percentiles with and without a steady background workload.
 */
public final class EndToEndBenchmark {

    static final long DEFAULT_CHANGES = 300_000;
    private static final int WARMUP_PROBES = 5;

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        if (o.help) {
            System.out.println("EndToEndBenchmark: PostgreSQL -> Kafka (embedded broker) -> PostgreSQL");
            System.out.println(Options.usage());
            return;
        }
        run(o).print(System.out);
        System.exit(0);
    }

    static ResultTable run(Options o) throws Exception {
        long changes = o.changesOr(DEFAULT_CHANGES);
        ResultTable table = new ResultTable(String.format(Locale.ROOT,
                "EndToEndBenchmark: PostgreSQL -> Kafka -> PostgreSQL, %,d rows, %,d changes, %d partition(s)", o.rows,
                changes, o.partitions));
        String loadBefore = BenchEnv.loadAverage();
        try (BenchEnv env = BenchEnv.start(o)) {
            env.printMachine();
            env.load(o.rows, true);
            // The floor, on the same server just before Ferry's load, and again just after it to bracket a drifting load.
            RawCopy.Result rawBefore = RawCopy.measure(env);
            // The first initial load in a JVM also pays for compiling the broker, producer, applier and COPY paths
            // (the JIT took 4-13 µs of CPU per row of it). A long-running Ferry pays that once, so the goal's load is the
            // second one, into emptied target tables, through a pipeline of its own; the first is printed beside it.
            Load cold;
            try (PipelineRunner runner = new PipelineRunner(env.pipeline("bench-cold", true, null), Duration.ofSeconds(60),
                    null, Role.ALL, null, o.partitions)) {
                cold = initialLoad(env, runner, o, "first load in this JVM");
            }
            emptyTarget(env);
            PipelineConfig config = env.pipeline(true);
            try (PipelineRunner runner = new PipelineRunner(config, Duration.ofSeconds(60), null, Role.ALL, null,
                    o.partitions)) {
                // (a) snapshot
                Load warm = initialLoad(env, runner, o, "second load in this JVM");
                String loadAtSnapshot = BenchEnv.loadAverage();
                table.add("snapshot (start() -> all rows in target)", BenchEnv.rate(o.rows / warm.total()), "rows/s",
                        String.format(Locale.ROOT, "%.1f s incl. %.1f s startup; in Kafka after %.1f s; the second"
                                + " load in this JVM", warm.total(), warm.startup(), warm.inKafka()));
                table.add("snapshot: CPU per row", "", "", warm.cpuPerRow());
                table.add("snapshot, from the return of start()", BenchEnv.rate(o.rows / warm.excluding()), "rows/s",
                        String.format(Locale.ROOT, "%.1f s", warm.excluding()));
                table.add("snapshot, first load in this JVM", BenchEnv.rate(o.rows / cold.total()), "rows/s",
                        String.format(Locale.ROOT, "%.1f s incl. %.1f s startup", cold.total(), cold.startup()));
                table.add("snapshot, first load: CPU per row", "", "", cold.cpuPerRow());
                RawCopy.Result rawAfter = RawCopy.measure(env);
                double raw = (rawBefore.rows() + rawAfter.rows()) / (rawBefore.seconds() + rawAfter.seconds());
                table.add("raw COPY into an empty table with a primary key", BenchEnv.rate(raw), "rows/s",
                        String.format(Locale.ROOT, "before %,.0f (load %s), after %,.0f (load %s); %,d MB of text",
                                rawBefore.rate(), rawBefore.loadBefore(), rawAfter.rate(), rawAfter.loadBefore(),
                                rawBefore.bytes() >> 20));
                table.add("initial load / raw COPY", String.format(Locale.ROOT, "%.2f", o.rows / warm.total() / raw), "",
                        String.format(Locale.ROOT, "%.2f from the return of start(), %.2f for the first load; goal"
                                + " 0.50; load at the end of the snapshot %s", o.rows / warm.excluding() / raw,
                                o.rows / cold.total() / raw, loadAtSnapshot));
                if (o.snapshotOnly) {
                    table.add("machine load average (1/5/15 min)", BenchEnv.loadAverage(), "", "at start: " + loadBefore);
                    return table;
                }

                // (b) sustained streaming, measured where it lands
                long baseApplied = runner.applied();
                long baseCaptured = runner.captured();
                BenchEnv.Workload w = new BenchEnv.Workload(changes, o.rows + 1);
                AtomicReference<Throwable> writerError = new AtomicReference<>();
                Thread writer = new Thread(() -> {
                    try (Connection c = env.source()) {
                        w.run(c, o.rows);
                    } catch (Throwable e) {
                        writerError.set(e);
                    }
                }, "bench-writer");
                env.out.printf(Locale.ROOT, "Streaming: writing %,d changes in 1,000-row transactions...%n", changes);
                writer.start();
                long maxBehind = 0;
                while (writer.isAlive()) {
                    maxBehind = Math.max(maxBehind, w.written - (runner.applied() - baseApplied));
                    Thread.sleep(5);
                }
                if (writerError.get() != null) {
                    throw new IllegalStateException("workload failed", writerError.get());
                }
                long inKafka = BenchEnv.awaitCount(runner, runner::captured, baseCaptured + changes, Duration.ofMinutes(30),
                        "streaming captured");
                long applied = BenchEnv.awaitCount(runner, runner::applied, baseApplied + changes, Duration.ofMinutes(30),
                        "streaming applied");
                double secs = (applied - w.startNanos) / 1e9;
                env.out.printf(Locale.ROOT, "  source wrote them in %.2f s; all in Kafka after %.2f s, all in the target"
                        + " after %.2f s; max %,d changes behind%n", w.seconds(), (inKafka - w.startNanos) / 1e9, secs, maxBehind);
                table.add("streaming: source write rate", BenchEnv.rate(changes / w.seconds()), "changes/s",
                        "PostgreSQL alone, 1,000-row txs, while the pipeline runs");
                table.add("streaming: captured (in Kafka)", BenchEnv.rate(changes / ((inKafka - w.startNanos) / 1e9)),
                        "events/s", "first write -> last event in Kafka");
                table.add("streaming: applied (in target)", BenchEnv.rate(changes / secs), "changes/s",
                        String.format(Locale.ROOT, "first write -> last change in target; max %,d behind", maxBehind));

                try (Connection s = env.source(); Connection r = env.replica()) {
                    long sc = BenchEnv.count(s, "bench_rows");
                    long rc = BenchEnv.count(r, "bench_rows");
                    env.out.printf(Locale.ROOT, "  rows: source %,d, replica %,d%s%n", sc, rc, sc == rc ? " (equal)" : " (DIFFERENT)");
                }

                // (c) latency, idle and under a steady background load
                Latencies idle = probe(env, runner, o, 0);
                Latencies loaded = probe(env, runner, o, o.rate);
                addLatency(table, "latency, idle", idle.endToEnd());
                if (idle.toKafka().length > 0) {
                    table.add("  idle: source commit -> Kafka commit p50/p99", fmt(percentile(idle.toKafka(), 0.5)) + " / "
                            + fmt(percentile(idle.toKafka(), 0.99)), "ms", "where the idle latency goes");
                    table.add("  idle: Kafka commit -> visible in target p50/p99", fmt(percentile(idle.kafkaToTarget(), 0.5))
                            + " / " + fmt(percentile(idle.kafkaToTarget(), 0.99)), "ms", "");
                }
                addLatency(table, String.format(Locale.ROOT, "latency, %,d changes/s background", o.rate), loaded.endToEnd());
                table.add(String.format(Locale.ROOT, "latency, %,d changes/s background: achieved", o.rate),
                        BenchEnv.rate(loaded.backgroundRate()), "changes/s", "what the background writer managed");
                if (runner.failureMessage() != null) {
                    throw new IllegalStateException(runner.failureMessage());
                }
            }
        }
        table.add("machine load average (1/5/15 min)", BenchEnv.loadAverage(), "",
                "at start: " + loadBefore + "; above ~" + Runtime.getRuntime().availableProcessors()
                        + " something else shared the cores");
        return table;
    }

    /** One initial load: seconds from start() to all rows in the target, in Kafka, and how long start() took. */
    record Load(double total, double startup, double inKafka, String cpuPerRow) {
        double excluding() {
            return total - startup;
        }
    }

    /** Runs {@code runner}'s snapshot of the whole table into the target and prints where its time and CPU went. */
    static Load initialLoad(BenchEnv env, PipelineRunner runner, Options o, String which) throws Exception {
        env.out.printf(Locale.ROOT, "Initial load (%s)...%n", which);
        LoadCpu cpu = LoadCpu.start(env.options.dir.resolve("postgres"));
        long t0 = System.nanoTime();
        Timeline timeline = Timeline.every(Duration.ofSeconds(1), t0, runner::captured, runner::applied);
        runner.start();
        long started = System.nanoTime();
        long captured = BenchEnv.awaitCount(runner, runner::captured, o.rows, Duration.ofMinutes(30), "snapshot captured");
        long done = BenchEnv.awaitCount(runner, runner::applied, o.rows, Duration.ofMinutes(30), "snapshot applied");
        String cpuPerRow = cpu.perRow(o.rows);
        env.out.println("  in Kafka / in the target (k rows) by second after start(): " + timeline.stop());
        env.out.println("  CPU per row, start() -> all rows in the target: " + cpuPerRow);
        Load load = new Load((done - t0) / 1e9, (started - t0) / 1e9, (captured - t0) / 1e9, cpuPerRow);
        env.out.printf(Locale.ROOT, "  %,d rows in the target %.2f s after start() (start() %.2f s, all in Kafka at"
                + " %.2f s)%n", o.rows, load.total(), load.startup(), load.inKafka());
        return load;
    }

    /** Drops the first load's copies and slot, so the second load starts from empty tables as the first did. */
    private static void emptyTarget(BenchEnv env) throws SQLException {
        try (Connection r = env.replica(); Statement s = r.createStatement()) {
            s.execute("DROP TABLE IF EXISTS bench_rows, bench_probe");
        }
        try (Connection c = env.source(); Statement s = c.createStatement()) {
            s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE NOT active");
        }
    }

    /** Latencies of one probing phase, sorted, in nanoseconds. */
    record Latencies(long[] endToEnd, long[] toKafka, long[] kafkaToTarget, double backgroundRate) {
    }

    /**
     * For {@code --seconds}: every {@code --probe-interval-ms} inserts a marker row in its own transaction
     * (a new id in {@code bench_probe}) and records when the commit returned; a second thread polls the replica
     * about every millisecond and records when each marker became visible there. Markers are not waited for
     * one by one, so the sample count does not depend on the latency. With no background load the poller also
     * watches {@link PipelineRunner#captured()}: every captured event is then a marker, which splits the
     * latency into source commit → Kafka commit and Kafka commit → visible in the target.
     */
    static Latencies probe(BenchEnv env, PipelineRunner runner, Options o, int backgroundRate) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong backgroundChanges = new AtomicLong();
        AtomicReference<Throwable> backgroundError = new AtomicReference<>();
        Thread background = null;
        if (backgroundRate > 0) {
            background = new Thread(() -> {
                // Every 50 ms one transaction updating rate/20 consecutive rows.
                int perTx = Math.max(1, backgroundRate / 20);
                SplittableRandom random = new SplittableRandom(7);
                try (Connection c = env.source(); PreparedStatement ps = c.prepareStatement(
                        "UPDATE bench_rows SET amount = amount + 1, updated_at = now() WHERE id BETWEEN ? AND ?")) {
                    long next = System.nanoTime();
                    while (!stop.get()) {
                        long from = 1 + random.nextLong(o.rows - perTx);
                        ps.setLong(1, from);
                        ps.setLong(2, from + perTx - 1);
                        backgroundChanges.addAndGet(ps.executeUpdate());
                        next += 50_000_000L;
                        long wait = next - System.nanoTime();
                        if (wait > 0) {
                            LockSupport.parkNanos(wait);
                        }
                    }
                } catch (Throwable e) {
                    backgroundError.set(e);
                }
            }, "bench-background");
            background.start();
            Thread.sleep(3_000); // let the pipeline settle into the load
        }
        String label = backgroundRate > 0 ? String.format(Locale.ROOT, "%,d changes/s background", backgroundRate) : "idle";
        env.out.printf(Locale.ROOT, "Latency (%s): a marker row every %d ms for %d s...%n", label, o.probeIntervalMillis,
                o.seconds);
        int max = (int) (o.seconds * 1000L / Math.max(1, o.probeIntervalMillis)) + 10;
        AtomicLongArray committed = new AtomicLongArray(max);
        AtomicLongArray inKafka = new AtomicLongArray(max);
        AtomicLongArray visible = new AtomicLongArray(max);
        AtomicInteger issued = new AtomicInteger();
        AtomicBoolean probing = new AtomicBoolean(true);
        AtomicReference<Throwable> pollerError = new AtomicReference<>();
        long firstId;
        try (Connection c = env.source(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT coalesce(max(id), 0) + 1 FROM bench_probe")) {
            rs.next();
            firstId = rs.getLong(1);
        }
        boolean split = backgroundRate == 0;
        long capturedBase = runner.captured();
        long bgStart = backgroundChanges.get();
        Thread poller = new Thread(() -> {
            int seen = 0; // markers [0, seen) are all visible
            int kafkaSeen = 0;
            long giveUp = Long.MAX_VALUE;
            try (Connection dst = env.replica()) {
                PreparedStatement sel = null;
                while (true) {
                    int n = issued.get();
                    if (!probing.get() && giveUp == Long.MAX_VALUE) {
                        giveUp = System.nanoTime() + 30_000_000_000L;
                    }
                    if ((!probing.get() && seen >= n) || System.nanoTime() > giveUp) {
                        break;
                    }
                    if (split) {
                        long c = Math.min(n, runner.captured() - capturedBase);
                        long now = System.nanoTime();
                        for (; kafkaSeen < c; kafkaSeen++) {
                            inKafka.set(kafkaSeen, now);
                        }
                    }
                    if (seen < n) {
                        try {
                            if (sel == null) {
                                sel = dst.prepareStatement("SELECT id FROM bench_probe WHERE id >= ?");
                            }
                            sel.setLong(1, firstId + seen);
                            try (ResultSet rs = sel.executeQuery()) {
                                long now = System.nanoTime();
                                while (rs.next()) {
                                    int k = (int) (rs.getLong(1) - firstId);
                                    if (k >= 0 && k < max && visible.get(k) == 0) {
                                        visible.set(k, now);
                                    }
                                }
                            }
                            while (seen < max && visible.get(seen) != 0) {
                                seen++;
                            }
                        } catch (SQLException e) {
                            // The target table does not exist until the sink creates it.
                            if (sel != null) {
                                sel.close();
                                sel = null;
                            }
                        }
                    }
                    LockSupport.parkNanos(1_000_000);
                }
            } catch (Throwable e) {
                pollerError.set(e);
            }
        }, "bench-latency-poller");
        poller.start();
        long phaseStart = System.nanoTime();
        try (Connection src = env.source();
             PreparedStatement ins = src.prepareStatement("INSERT INTO bench_probe (id, seq) VALUES (?, ?)")) {
            long phaseEnd = phaseStart + o.seconds * 1_000_000_000L;
            long next = System.nanoTime();
            for (int k = 0; k < max && System.nanoTime() < phaseEnd; k++) {
                ins.setLong(1, firstId + k);
                ins.setLong(2, System.nanoTime());
                ins.executeUpdate();
                committed.set(k, System.nanoTime());
                issued.set(k + 1);
                if (runner.failureMessage() != null) {
                    throw new IllegalStateException(runner.failureMessage());
                }
                next += o.probeIntervalMillis * 1_000_000L;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
        } finally {
            probing.set(false);
            poller.join();
            stop.set(true);
            if (background != null) {
                background.join();
            }
        }
        double secs = (System.nanoTime() - phaseStart) / 1e9;
        if (backgroundError.get() != null) {
            throw new IllegalStateException("background workload failed", backgroundError.get());
        }
        if (pollerError.get() != null) {
            throw new IllegalStateException("latency poller failed", pollerError.get());
        }
        int n = issued.get();
        long[] e2e = new long[n];
        long[] toKafka = new long[n];
        long[] fromKafka = new long[n];
        int m = 0;
        int ks = 0;
        int lost = 0;
        for (int k = WARMUP_PROBES; k < n; k++) {
            if (visible.get(k) == 0) {
                lost++;
                continue;
            }
            e2e[m++] = Math.max(0, visible.get(k) - committed.get(k));
            if (split && inKafka.get(k) != 0) {
                toKafka[ks] = Math.max(0, inKafka.get(k) - committed.get(k));
                fromKafka[ks++] = Math.max(0, visible.get(k) - inKafka.get(k));
            }
        }
        Latencies l = new Latencies(sorted(e2e, m), sorted(toKafka, ks), sorted(fromKafka, ks),
                (backgroundChanges.get() - bgStart) / secs);
        env.out.printf(Locale.ROOT, "  %d samples%s; background achieved %,.0f changes/s; p50 %.1f ms, p99 %.1f ms,"
                        + " max %.1f ms%n", m, lost > 0 ? " (" + lost + " not visible after 30 s)" : "",
                (backgroundChanges.get() - bgStart) / secs, ms(percentile(l.endToEnd, 0.50)),
                ms(percentile(l.endToEnd, 0.99)), ms(percentile(l.endToEnd, 1.0)));
        if (ks > 0) {
            env.out.printf(Locale.ROOT, "  split: source commit -> Kafka commit p50 %.1f ms p99 %.1f ms;"
                            + " Kafka commit -> visible in target p50 %.1f ms p99 %.1f ms%n",
                    ms(percentile(l.toKafka, 0.5)), ms(percentile(l.toKafka, 0.99)),
                    ms(percentile(l.kafkaToTarget, 0.5)), ms(percentile(l.kafkaToTarget, 0.99)));
        }
        return l;
    }

    private static long[] sorted(long[] a, int n) {
        long[] r = Arrays.copyOf(a, n);
        Arrays.sort(r);
        return r;
    }

    static long percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static void addLatency(ResultTable table, String label, long[] sorted) {
        String note = sorted.length + " samples, commit returned -> row visible in replica";
        table.add(label + " p50", fmt(percentile(sorted, 0.50)), "ms", note);
        table.add(label + " p90", fmt(percentile(sorted, 0.90)), "ms", "");
        table.add(label + " p99", fmt(percentile(sorted, 0.99)), "ms", "");
        table.add(label + " max", fmt(sorted.length == 0 ? 0 : sorted[sorted.length - 1]), "ms", "");
    }

    private static String fmt(long nanos) {
        return String.format(Locale.ROOT, "%.1f", ms(nanos));
    }
}
