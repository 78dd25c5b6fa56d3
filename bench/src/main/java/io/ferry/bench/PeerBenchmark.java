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
 * the same backlog, in one run: the snapshot of the pre-loaded table, twice per side in the order Ferry, Debezium,
 * Debezium, Ferry (each side's second run, warm, is the one compared), then the drain of a backlog of changes
 * written while both were stopped (both slots hold it). Rows carry a 550-byte text column so that a row is
 * about 700 bytes, the size the capture goals are stated for. Next to events/s, events per CPU-second of the whole JVM
 * (broker included) and of the JVM plus PostgreSQL's processes ({@link CpuBreakdown}) compare the two on a machine
 * whose other load changes what a second buys.
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

            // ABBA: a cold pair on throwaway slots, then the warm pair whose slots hold the backlog. The first run in
            // the JVM pays the JIT for the broker and producer paths that Debezium's then finds compiled, and the first
            // Debezium run pays for Debezium's own code: each side's second run is the steady state. The order of the
            // four runs keeps a linear drift in the machine's other load from favouring either side.
            Snapshot ferryCold = ferrySnapshot(env, o, env.pipeline("bench-warmup", false, kafka.bootstrapServers()));
            Snapshot debeziumCold = debeziumSnapshot(env, o, kafka.bootstrapServers(), "dbzwarmup");
            dropInactiveSlots(env);
            Snapshot debeziumWarm = debeziumSnapshot(env, o, kafka.bootstrapServers(), "dbz");
            Snapshot ferryWarm = ferrySnapshot(env, o, config);
            // The goal's numbers are the warm pair's; the cold pair stays in the table for comparison with older runs.
            add(ferry, debezium, ratio, "snapshot (start -> all rows in Kafka)", o.rows / ferryWarm.seconds,
                    o.rows / debeziumWarm.seconds, "rows/s");
            add(ferry, debezium, ratio, "snapshot per JVM CPU-second", o.rows / ferryWarm.cpuSeconds,
                    o.rows / debeziumWarm.cpuSeconds, "rows/CPU-s");
            add(ferry, debezium, ratio, "snapshot per CPU-second of JVM + PostgreSQL",
                    o.rows / (ferryWarm.cpuSeconds + ferryWarm.pgCpuSeconds),
                    o.rows / (debeziumWarm.cpuSeconds + debeziumWarm.pgCpuSeconds), "rows/CPU-s");
            add(ferry, debezium, ratio, "snapshot, cold run (each side's first)", o.rows / ferryCold.seconds,
                    o.rows / debeziumCold.seconds, "rows/s");
            add(ferry, debezium, ratio, "snapshot, cold run per JVM CPU-second", o.rows / ferryCold.cpuSeconds,
                    o.rows / debeziumCold.cpuSeconds, "rows/CPU-s");
            add(ferry, debezium, ratio, "snapshot, both runs pooled", 2.0 * o.rows / (ferryCold.seconds + ferryWarm.seconds),
                    2.0 * o.rows / (debeziumCold.seconds + debeziumWarm.seconds), "rows/s");
            ferryWarm.cpu.addTo(ferry, "snapshot");
            debeziumWarm.cpu.addTo(debezium, "snapshot");
            ferryCold.cpu.addTo(ferry, "snapshot, cold run");
            debeziumCold.cpu.addTo(debezium, "snapshot, cold run");

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
            try (DebeziumCapture dbz = new DebeziumCapture(env.pg.getPort(), kafka.bootstrapServers(),
                    o.dir.resolve("debezium-dbz"), "dbz", o.compression)) {
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

    /** One snapshot of the whole table: seconds from start to the last row in Kafka, and the CPU it took. */
    private record Snapshot(double seconds, double cpuSeconds, double pgCpuSeconds, CpuBreakdown.Result cpu) {
    }

    private static Snapshot ferrySnapshot(BenchEnv env, Options o, PipelineConfig config) throws Exception {
        env.out.printf(Locale.ROOT, "Ferry snapshot of %,d rows (pipeline %s)...%n", o.rows, config.name());
        try (PipelineRunner runner = new PipelineRunner(config, Duration.ofSeconds(60))) {
            CpuBreakdown breakdown = CpuBreakdown.start(env.pgData());
            long pg0 = CpuBreakdown.pgCpuNanos(env.pgData());
            long t0 = System.nanoTime();
            CpuMeter cpu = CpuMeter.start();
            runner.start();
            double seconds = secondsSince(t0, awaitCount(runner::captured, runner::failureMessage, o.rows));
            double cpuSeconds = o.rows / cpu.eventsPerProcessCpuSecond(o.rows);
            double pgSeconds = (CpuBreakdown.pgCpuNanos(env.pgData()) - pg0) / 1e9;
            env.out.printf(Locale.ROOT, "  %,.0f rows/s, %.1f µs JVM + %.1f µs PostgreSQL CPU per row%n", o.rows / seconds,
                    cpuSeconds * 1e6 / o.rows, pgSeconds * 1e6 / o.rows);
            return new Snapshot(seconds, cpuSeconds, pgSeconds, breakdown.stop(o.rows));
        }
    }

    private static Snapshot debeziumSnapshot(BenchEnv env, Options o, String bootstrapServers, String name)
            throws Exception {
        env.out.printf(Locale.ROOT, "Debezium snapshot of %,d rows (slot %s_bench)...%n", o.rows, name);
        try (DebeziumCapture dbz = new DebeziumCapture(env.pg.getPort(), bootstrapServers,
                o.dir.resolve("debezium-" + name), name, o.compression)) {
            CpuBreakdown breakdown = CpuBreakdown.start(env.pgData());
            long pg0 = CpuBreakdown.pgCpuNanos(env.pgData());
            long t0 = System.nanoTime();
            CpuMeter cpu = CpuMeter.start();
            dbz.start();
            double seconds = secondsSince(t0, awaitCount(dbz::sent, () -> null, o.rows));
            double cpuSeconds = o.rows / cpu.eventsPerProcessCpuSecond(o.rows);
            double pgSeconds = (CpuBreakdown.pgCpuNanos(env.pgData()) - pg0) / 1e9;
            env.out.printf(Locale.ROOT, "  %,.0f rows/s, %.1f µs JVM + %.1f µs PostgreSQL CPU per row%n", o.rows / seconds,
                    cpuSeconds * 1e6 / o.rows, pgSeconds * 1e6 / o.rows);
            return new Snapshot(seconds, cpuSeconds, pgSeconds, breakdown.stop(o.rows));
        }
    }

    /** The warm-up runs' slots would otherwise hold WAL (and the backlog) for nobody. */
    private static void dropInactiveSlots(BenchEnv env) throws java.sql.SQLException {
        try (Connection c = env.source(); Statement s = c.createStatement()) {
            s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE NOT active");
        }
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
