package io.ferry.bench;

import io.ferry.cli.PipelineRunner;
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
import java.util.concurrent.atomic.AtomicLong;
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
                "EndToEndBenchmark: PostgreSQL -> Kafka -> PostgreSQL, %,d rows, %,d changes", o.rows, changes));
        try (BenchEnv env = BenchEnv.start(o)) {
            env.printMachine();
            env.load(o.rows, true);
            PipelineConfig config = env.pipeline(true);
            try (PipelineRunner runner = new PipelineRunner(config, Duration.ofSeconds(60))) {
                // (a) snapshot
                long t0 = System.nanoTime();
                runner.start();
                long started = System.nanoTime();
                long captured = BenchEnv.awaitCount(runner, runner::captured, o.rows, Duration.ofMinutes(30), "snapshot captured");
                long done = BenchEnv.awaitCount(runner, runner::applied, o.rows, Duration.ofMinutes(30), "snapshot applied");
                double total = (done - t0) / 1e9;
                env.out.printf(Locale.ROOT, "Snapshot: %,d rows in the target %.2f s after start() (start() %.2f s,"
                        + " all in Kafka at %.2f s)%n", o.rows, total, (started - t0) / 1e9, (captured - t0) / 1e9);
                table.add("snapshot (start() -> all rows in target)", BenchEnv.rate(o.rows / total), "rows/s",
                        String.format(Locale.ROOT, "%.1f s incl. %.1f s startup; in Kafka after %.1f s", total,
                                (started - t0) / 1e9, (captured - t0) / 1e9));

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
                long[] idle = probe(env, runner, o, 0);
                long[] loaded = probe(env, runner, o, o.rate);
                addLatency(table, "latency, idle", idle);
                addLatency(table, String.format(Locale.ROOT, "latency, %,d changes/s background", o.rate), loaded);
                if (runner.failureMessage() != null) {
                    throw new IllegalStateException(runner.failureMessage());
                }
            }
        }
        return table;
    }

    /**
     * For {@code --seconds}: every {@code --probe-interval-ms} inserts a marker row in its own transaction and
     * polls the replica (about every millisecond) until the row is there. Returns latencies in nanoseconds.
     */
    static long[] probe(BenchEnv env, PipelineRunner runner, Options o, int backgroundRate) throws Exception {
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
            Thread.sleep(2_000); // let the pipeline settle into the load
        }
        String label = backgroundRate > 0 ? String.format(Locale.ROOT, "%,d changes/s background", backgroundRate) : "idle";
        env.out.printf(Locale.ROOT, "Latency (%s): probing for %d s, one marker row every %d ms...%n", label, o.seconds,
                o.probeIntervalMillis);
        long[] samples = new long[100_000];
        int n = 0;
        int timeouts = 0;
        long bgStart = backgroundChanges.get();
        long phaseStart = System.nanoTime();
        long phaseEnd = phaseStart + o.seconds * 1_000_000_000L;
        try (Connection src = env.source(); Connection dst = env.replica();
             PreparedStatement ins = src.prepareStatement("INSERT INTO bench_probe (id, seq) VALUES (?, ?)");
             Statement ids = src.createStatement()) {
            long id;
            try (ResultSet rs = ids.executeQuery("SELECT coalesce(max(id), 0) FROM bench_probe")) {
                rs.next();
                id = rs.getLong(1);
            }
            PreparedStatement sel = null;
            int probes = 0;
            while (System.nanoTime() < phaseEnd && n < samples.length) {
                long probeStart = System.nanoTime();
                id++;
                ins.setLong(1, id);
                ins.setLong(2, probeStart);
                ins.executeUpdate();
                long committed = System.nanoTime();
                long deadline = committed + 30_000_000_000L;
                long visible = -1;
                while (System.nanoTime() < deadline) {
                    try {
                        if (sel == null) {
                            sel = dst.prepareStatement("SELECT 1 FROM bench_probe WHERE id = ?");
                        }
                        sel.setLong(1, id);
                        try (ResultSet rs = sel.executeQuery()) {
                            if (rs.next()) {
                                visible = System.nanoTime();
                                break;
                            }
                        }
                    } catch (SQLException e) {
                        // The target table does not exist until the sink creates it.
                        if (sel != null) {
                            sel.close();
                            sel = null;
                        }
                    }
                    if (runner.failureMessage() != null) {
                        throw new IllegalStateException(runner.failureMessage());
                    }
                    LockSupport.parkNanos(1_000_000);
                }
                probes++;
                if (visible < 0) {
                    timeouts++;
                } else if (probes > WARMUP_PROBES) {
                    samples[n++] = visible - committed;
                }
                long wait = probeStart + o.probeIntervalMillis * 1_000_000L - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
            if (sel != null) {
                sel.close();
            }
        } finally {
            stop.set(true);
            if (background != null) {
                background.join();
            }
        }
        if (backgroundError.get() != null) {
            throw new IllegalStateException("background workload failed", backgroundError.get());
        }
        long[] result = Arrays.copyOf(samples, n);
        Arrays.sort(result);
        double secs = (System.nanoTime() - phaseStart) / 1e9;
        env.out.printf(Locale.ROOT, "  %d samples%s; background achieved %,.0f changes/s; p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                n, timeouts > 0 ? " (" + timeouts + " timed out after 30 s)" : "", (backgroundChanges.get() - bgStart) / secs,
                ms(percentile(result, 0.50)), ms(percentile(result, 0.99)), ms(result.length == 0 ? 0 : result[n - 1]));
        return result;
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
