package io.ferry.bench;

import io.ferry.cli.PipelineRunner;
import io.ferry.core.config.PipelineConfig;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;

/**
 * PostgreSQL → Kafka only ({@code sink: none}): snapshot rows/s of a pre-loaded table, then streaming events/s
 * twice — while a writer is running ("concurrent") and after a restart with a backlog already in the WAL
 * ("backlog drain").
 */
public final class CaptureBenchmark {

    static final long DEFAULT_CHANGES = 500_000;

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        if (o.help) {
            System.out.println("CaptureBenchmark: PostgreSQL -> Kafka (embedded broker), no sink");
            System.out.println(Options.usage());
            return;
        }
        run(o).print(System.out);
        System.exit(0);
    }

    static ResultTable run(Options o) throws Exception {
        if (o.snapshotOnly) {
            return snapshots(o);
        }
        long changes = o.changesOr(DEFAULT_CHANGES);
        ResultTable table = new ResultTable(String.format(Locale.ROOT,
                "CaptureBenchmark: PostgreSQL -> Kafka, %,d rows, %,d changes", o.rows, changes));
        String loadBefore = BenchEnv.loadAverage();
        try (BenchEnv env = BenchEnv.start(o)) {
            env.printMachine();
            env.load(o.rows, false);
            PipelineConfig config = env.pipeline(false);
            long nextId = o.rows + 1;

            // (a) snapshot
            PipelineRunner runner = new PipelineRunner(config, Duration.ofSeconds(60));
            try {
                long t0 = System.nanoTime();
                long done;
                long started;
                String snapshotCost;
                try (MemoryMeter memory = new MemoryMeter()) {
                    runner.start();
                    started = System.nanoTime();
                    CpuMeter snapshotCpu = CpuMeter.start();
                    done = BenchEnv.awaitCount(runner, runner::captured, o.rows, Duration.ofMinutes(120), "snapshot captured");
                    snapshotCost = snapshotCpu.perEvent(o.rows);
                    memory.report(table, "snapshot");
                }
                double total = (done - t0) / 1e9;
                double afterStart = (done - started) / 1e9;
                env.out.printf(Locale.ROOT, "Snapshot: %,d rows committed to Kafka in %.2f s (start() took %.2f s)%n",
                        o.rows, total, (started - t0) / 1e9);
                table.add("snapshot (start() -> all rows in Kafka)", BenchEnv.rate(o.rows / total), "rows/s",
                        String.format(Locale.ROOT, "%.1f s incl. %.1f s broker/slot start", total, (started - t0) / 1e9));
                table.add("snapshot (excluding startup)", BenchEnv.rate(o.rows / afterStart), "rows/s", "");
                table.add("snapshot: CPU per row", snapshotCost, "", "from the return of start()");
                Thread.sleep(500);
                if (runner.captured() != o.rows) {
                    env.out.printf(Locale.ROOT, "note: captured() settled at %,d for %,d rows%n", runner.captured(), o.rows);
                }

                // (b1) concurrent streaming: capture follows a writer that runs as fast as PostgreSQL allows
                long base = runner.captured();
                BenchEnv.Workload w = new BenchEnv.Workload(changes, nextId);
                nextId = w.lastId() + 1;
                AtomicReference<Throwable> writerError = new AtomicReference<>();
                Thread writer = new Thread(() -> {
                    try (Connection c = env.source()) {
                        w.run(c, o.rows);
                    } catch (Throwable e) {
                        writerError.set(e);
                    }
                }, "bench-writer");
                env.out.printf(Locale.ROOT, "Streaming (concurrent): writing %,d changes in 1,000-row transactions...%n", changes);
                writer.start();
                long maxBehind = 0;
                while (writer.isAlive()) {
                    maxBehind = Math.max(maxBehind, w.written - (runner.captured() - base));
                    Thread.sleep(5);
                }
                if (writerError.get() != null) {
                    throw new IllegalStateException("workload failed", writerError.get());
                }
                long end = BenchEnv.awaitCount(runner, runner::captured, base + changes, Duration.ofMinutes(30),
                        "streaming captured");
                double captureSecs = (end - w.startNanos) / 1e9;
                env.out.printf(Locale.ROOT, "  source wrote %,d changes in %.2f s; all in Kafka %.2f s after the first write"
                        + " (%.2f s after the last); max %,d changes behind%n", changes, w.seconds(), captureSecs,
                        (end - w.endNanos) / 1e9, maxBehind);
                table.add("streaming, concurrent: source write rate", BenchEnv.rate(changes / w.seconds()), "changes/s",
                        "PostgreSQL alone, 1,000-row txs, while capture runs");
                table.add("streaming, concurrent: captured", BenchEnv.rate(changes / captureSecs), "events/s",
                        String.format(Locale.ROOT, "first write -> last event in Kafka; tail %.2f s, max %,d behind",
                                (end - w.endNanos) / 1e9, maxBehind));
            } finally {
                runner.close();
            }

            // (b2) backlog drain: pipeline down, the same workload written, pipeline restarted
            BenchEnv.Workload w2 = new BenchEnv.Workload(changes, nextId);
            try (Connection c = env.source()) {
                w2.run(c, o.rows);
            }
            env.out.printf(Locale.ROOT, "Streaming (backlog): %,d changes written in %.2f s with the pipeline stopped;"
                    + " restarting it%n", changes, w2.seconds());
            runner = new PipelineRunner(config, Duration.ofSeconds(60));
            try {
                long t0 = System.nanoTime();
                runner.start();
                PipelineRunner r = runner;
                long first = BenchEnv.awaitCount(runner, runner::captured, 1, Duration.ofMinutes(5), "first backlog commit");
                CpuMeter drainCpu = CpuMeter.start();
                long firstCount = runner.captured();
                long end = BenchEnv.awaitCount(runner, r::captured, changes, Duration.ofMinutes(30), "backlog captured");
                String drainCost = drainCpu.perEvent(changes - firstCount);
                double drain = (end - first) / 1e9;
                double drainRate = (changes - firstCount) / drain;
                env.out.printf(Locale.ROOT, "  first commit %.2f s after start(), backlog drained %.2f s later%n",
                        (first - t0) / 1e9, drain);
                table.add("streaming, backlog drain", BenchEnv.rate(drainRate), "events/s",
                        String.format(Locale.ROOT, "first -> last commit, %.2f s", drain));
                table.add("streaming, backlog drain: CPU per event", drainCost, "", "first -> last commit");
                table.add("streaming, backlog incl. restart", BenchEnv.rate(changes / ((end - t0) / 1e9)), "events/s",
                        String.format(Locale.ROOT, "start() -> last commit, %.2f s", (end - t0) / 1e9));
                Thread.sleep(500);
                if (runner.captured() != changes) {
                    env.out.printf(Locale.ROOT, "note: captured() settled at %,d for %,d changes%n", runner.captured(), changes);
                }
                if (runner.failureMessage() != null) {
                    throw new IllegalStateException(runner.failureMessage());
                }
            } finally {
                runner.close();
            }
        }
        table.add("machine load average (1/5/15 min)", BenchEnv.loadAverage(), "",
                "at start: " + loadBefore + "; above ~" + Runtime.getRuntime().availableProcessors()
                        + " something else shared the cores");
        return table;
    }

    /**
     * {@code --snapshot-only}: the same table snapshotted once per {@code --snapshot-parallelism} value, each by a
     * new pipeline (its own slot and topics, also for a value repeated) on the same servers, one after the other,
     * side by side.
     */
    private static ResultTable snapshots(Options o) throws Exception {
        List<Integer> runs = o.snapshotParallelism.isEmpty() ? List.of(4) : o.snapshotParallelism;
        List<ResultTable> tables = new ArrayList<>();
        List<String> columns = new ArrayList<>();
        try (BenchEnv env = BenchEnv.start(o)) {
            env.printMachine();
            env.load(o.rows, false);
            for (int run = 0; run < runs.size(); run++) {
                int readers = runs.get(run);
                ResultTable t = new ResultTable("snapshot-parallelism " + readers);
                String loadBefore = BenchEnv.loadAverage();
                PipelineRunner runner = new PipelineRunner(env.snapshotPipeline("bench-run" + run + "-p" + readers, readers),
                        Duration.ofSeconds(60));
                try (MemoryMeter memory = new MemoryMeter()) {
                    long t0 = System.nanoTime();
                    runner.start();
                    long started = System.nanoTime();
                    long done = BenchEnv.awaitCount(runner, runner::captured, o.rows, Duration.ofMinutes(30),
                            "snapshot captured");
                    double afterStart = (done - started) / 1e9;
                    env.out.printf(Locale.ROOT, "Snapshot on %d reader(s): %,d rows in Kafka %.2f s after start()"
                            + " (start() took %.2f s)%n", readers, o.rows, afterStart, (started - t0) / 1e9);
                    t.add("snapshot rows/s (start() returned -> all rows in Kafka)", BenchEnv.rate(o.rows / afterStart),
                            "rows/s", "");
                    t.add("snapshot seconds (excluding startup)", String.format(Locale.ROOT, "%.2f", afterStart), "s", "");
                    memory.report(t, "snapshot");
                    t.add("load average before", loadBefore, "", "");
                    t.add("load average after", BenchEnv.loadAverage(), "", "");
                } finally {
                    runner.close();
                }
                tables.add(t);
                columns.add("run " + (run + 1) + ": " + readers + (readers == 1 ? " reader" : " readers"));
            }
        }
        return ResultTable.sideBySide(String.format(Locale.ROOT,
                "CaptureBenchmark --snapshot-only: PostgreSQL -> Kafka snapshot of %,d rows (one table), max heap %d MiB",
                o.rows, Runtime.getRuntime().maxMemory() >> 20), columns, tables);
    }
}
