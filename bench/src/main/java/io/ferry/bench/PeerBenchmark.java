package io.ferry.bench;

import io.ferry.cli.PipelineRunner;
import io.ferry.core.config.PipelineConfig;
import io.ferry.kafka.EmbeddedKafka;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Ferry's capture next to Debezium's embedded engine, both into the same Kafka broker, on the same table and
 * the same backlog, in one run: the snapshot of the pre-loaded table, then the drain of a backlog of changes
 * written while both were stopped (both slots hold it). Rows carry a 550-byte text column so that a row is
 * about 700 bytes, the size the capture goals are stated for. Next to events/s, events per CPU-second of the whole JVM
 * (broker included, PostgreSQL not) compare the two on a machine whose other load changes what a second buys.
 */
final class PeerBenchmark {

    static final long DEFAULT_CHANGES = 500_000;

    private PeerBenchmark() {
    }

    static ResultTable run(Options o) throws Exception {
        long changes = o.changesOr(DEFAULT_CHANGES);
        String title = String.format(Locale.ROOT, "Ferry vs Debezium embedded: PostgreSQL -> Kafka, %,d rows, %,d changes in %,d-row"
                + " transactions", o.rows, changes, o.txRows);
        ResultTable ferry = new ResultTable(title);
        ResultTable debezium = new ResultTable(title);
        ResultTable ratio = new ResultTable(title);
        String loadBefore = BenchEnv.loadAverage();
        try (BenchEnv env = BenchEnv.start(o);
             EmbeddedKafka kafka = EmbeddedKafka.start(o.dir.resolve("kafka"))) {
            env.printMachine();
            env.load(o.rows, false);
            try (Connection c = env.source(); Statement s = c.createStatement()) {
                s.execute("ALTER TABLE bench_rows ADD COLUMN note text NOT NULL DEFAULT repeat('x', 550)");
                try (ResultSet rs = s.executeQuery("SELECT avg(pg_column_size(t.*))::int FROM bench_rows t")) {
                    rs.next();
                    env.out.printf(Locale.ROOT, "Rows are %d bytes on average (pg_column_size)%n", rs.getInt(1));
                }
            }
            PipelineConfig config = env.pipeline(false, kafka.bootstrapServers());

            env.out.printf(Locale.ROOT, "Ferry snapshot of %,d rows...%n", o.rows);
            double ferrySnapshot;
            double ferrySnapshotCpu;
            try (PipelineRunner runner = new PipelineRunner(config, Duration.ofSeconds(60))) {
                long t0 = System.nanoTime();
                CpuMeter cpu = CpuMeter.start();
                runner.start();
                ferrySnapshot = o.rows / secondsSince(t0, awaitCount(runner::captured, runner::failureMessage, o.rows));
                ferrySnapshotCpu = cpu.eventsPerProcessCpuSecond(o.rows);
            }
            env.out.printf(Locale.ROOT, "Debezium snapshot of %,d rows...%n", o.rows);
            double debeziumSnapshot;
            double debeziumSnapshotCpu;
            try (DebeziumCapture dbz = new DebeziumCapture(env.pg.getPort(), kafka.bootstrapServers(), o.dir.resolve("debezium"))) {
                long t0 = System.nanoTime();
                CpuMeter cpu = CpuMeter.start();
                dbz.start();
                debeziumSnapshot = o.rows / secondsSince(t0, awaitCount(dbz::sent, () -> null, o.rows));
                debeziumSnapshotCpu = cpu.eventsPerProcessCpuSecond(o.rows);
            }
            add(ferry, debezium, ratio, "snapshot (start -> all rows in Kafka)", ferrySnapshot, debeziumSnapshot, "rows/s");
            add(ferry, debezium, ratio, "snapshot per JVM CPU-second", ferrySnapshotCpu, debeziumSnapshotCpu, "rows/CPU-s");

            BenchEnv.Workload w = new BenchEnv.Workload(changes, o.rows + 1, o.txRows);
            try (Connection c = env.source()) {
                w.run(c, o.rows);
            }
            env.out.printf(Locale.ROOT, "Backlog: %,d changes written in %.2f s with both stopped%n", changes, w.seconds());

            double[] ferryDrain;
            double ferryDrainCpu;
            try (PipelineRunner runner = new PipelineRunner(config, Duration.ofSeconds(60))) {
                long t0 = System.nanoTime();
                CpuMeter cpu = CpuMeter.start();
                runner.start();
                ferryDrain = drain(t0, runner::captured, runner::failureMessage, changes);
                ferryDrainCpu = cpu.eventsPerProcessCpuSecond(changes);
            }
            double[] debeziumDrain;
            double debeziumDrainCpu;
            try (DebeziumCapture dbz = new DebeziumCapture(env.pg.getPort(), kafka.bootstrapServers(), o.dir.resolve("debezium"))) {
                long t0 = System.nanoTime();
                CpuMeter cpu = CpuMeter.start();
                dbz.start();
                debeziumDrain = drain(t0, dbz::sent, () -> null, changes);
                debeziumDrainCpu = cpu.eventsPerProcessCpuSecond(changes);
            }
            add(ferry, debezium, ratio, "streaming backlog drain (first -> last in Kafka)", ferryDrain[0], debeziumDrain[0],
                    "events/s");
            add(ferry, debezium, ratio, "streaming backlog incl. restart (start -> last)", ferryDrain[1], debeziumDrain[1],
                    "events/s");
            add(ferry, debezium, ratio, "streaming backlog per JVM CPU-second (start -> last)", ferryDrainCpu,
                    debeziumDrainCpu, "events/CPU-s");
        }
        String load = "load average " + loadBefore + " at start, " + BenchEnv.loadAverage() + " at the end (above ~"
                + Runtime.getRuntime().availableProcessors() + ", something else shared the cores)";
        return ResultTable.sideBySide(title + "; " + load, List.of("Ferry", "Debezium", "Ferry/Debezium"),
                List.of(ferry, debezium, ratio));
    }

    private static void add(ResultTable ferry, ResultTable debezium, ResultTable ratio, String metric, double f, double d,
                            String unit) {
        ferry.add(metric, BenchEnv.rate(f), unit, "");
        debezium.add(metric, BenchEnv.rate(d), unit, "");
        ratio.add(metric, String.format(Locale.ROOT, "%.2fx", f / d), unit, "");
    }

    /** {first -> last rate, start -> last rate} of draining {@code changes} events. */
    private static double[] drain(long t0, LongSupplier counter, java.util.function.Supplier<String> failure, long changes)
            throws InterruptedException {
        long first = awaitCount(counter, failure, 1);
        long firstCount = counter.getAsLong();
        long end = awaitCount(counter, failure, changes);
        return new double[] {(changes - firstCount) / ((end - first) / 1e9), changes / secondsSince(t0, end)};
    }

    private static double secondsSince(long t0, long end) {
        return (end - t0) / 1e9;
    }

    private static long awaitCount(LongSupplier counter, java.util.function.Supplier<String> failure, long target)
            throws InterruptedException {
        return BenchEnv.awaitCount(failure, counter, target, Duration.ofMinutes(30), "events in Kafka");
    }
}
