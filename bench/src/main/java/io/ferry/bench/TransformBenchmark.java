package io.ferry.bench;

import io.ferry.cli.PipelineRunner;
import io.ferry.core.config.PipelineConfig;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The cost of capture-side transforms: two pipelines over the same PostgreSQL table, one without transforms and
 * one with a typical set (a filter, a hash mask and a computed column), each snapshotting the table and then
 * draining the same WAL backlog, measured one after the other in one run. Every row passes the filter, so both
 * publish the same number of events and only the transform work differs.
 */
public final class TransformBenchmark {

    static final long DEFAULT_CHANGES = 300_000;

    static final String TRANSFORMS = """
            transforms:
              - tables: public.bench_rows
                filter: "row.name != 'hidden-tenant'"
                mask: {name: hash}
                salt: bench-salt
                compute:
                  amount_gross: "row.amount * 1.2"
            """;

    private TransformBenchmark() {
    }

    /** The side-by-side rates, then the cost of the transforms in percent of the plain rate. */
    static List<ResultTable> run(Options o) throws Exception {
        long changes = o.changesOr(DEFAULT_CHANGES);
        String title = String.format(Locale.ROOT, "TransformBenchmark: PostgreSQL -> Kafka, %,d rows, %,d changes;"
                + " none vs 1 filter + 1 hash mask + 1 computed column", o.rows, changes);
        List<ResultTable> tables = new ArrayList<>();
        try (BenchEnv env = BenchEnv.start(o)) {
            env.printMachine();
            env.load(o.rows, false);
            PipelineConfig plain = env.capturePipeline("plain", "");
            PipelineConfig shaped = env.capturePipeline("shaped", TRANSFORMS);
            ResultTable none = new ResultTable("no transforms");
            ResultTable typical = new ResultTable("filter + mask + computed");
            // A snapshot nobody counts first, so neither side pays the JIT (the shaped one runs every path the plain
            // one does, and CEL's); then plain, shaped, shaped, plain, so a drifting load favours neither. The first
            // two pipelines' slots then hold the backlogs below.
            snapshot(env, env.capturePipeline("warmup", TRANSFORMS), o.rows, null, 0);
            double snapPlain = snapshot(env, plain, o.rows, none, 1);
            double snapShaped = snapshot(env, shaped, o.rows, typical, 1);
            snapShaped = (snapShaped + snapshot(env, env.capturePipeline("shaped2", TRANSFORMS), o.rows, typical, 2)) / 2;
            snapPlain = (snapPlain + snapshot(env, env.capturePipeline("plain2", ""), o.rows, none, 2)) / 2;
            // Two backlogs, drained in the order plain, shaped, then shaped, plain: a machine whose load drifts
            // favours neither side.
            double drainPlain = 0;
            double drainShaped = 0;
            long nextId = o.rows + 1;
            for (int round = 0; round < 2; round++) {
                BenchEnv.Workload w = new BenchEnv.Workload(changes, nextId);
                nextId = w.lastId() + 1;
                try (Connection c = env.source()) {
                    w.run(c, o.rows);
                }
                env.out.printf(Locale.ROOT, "Backlog %d: %,d changes written in %.2f s with both pipelines stopped%n",
                        round + 1, changes, w.seconds());
                if (round == 0) {
                    drainPlain += drain(env, plain, changes, none, round);
                    drainShaped += drain(env, shaped, changes, typical, round);
                } else {
                    drainShaped += drain(env, shaped, changes, typical, round);
                    drainPlain += drain(env, plain, changes, none, round);
                }
            }
            drainPlain /= 2;
            drainShaped /= 2;
            double stageNanos = StageCost.nanosPerEvent(shaped);
            double captureNanos = 1e9 / drainPlain;
            tables.add(ResultTable.sideBySide(title, List.of("none", "filter+mask+computed"), List.of(none, typical)));
            ResultTable cost = new ResultTable("TransformBenchmark: cost of the transforms (goal: at most 10%)");
            cost.add("snapshot (mean of 2)", percent(snapPlain, snapShaped), "% slower", "");
            cost.add("streaming, backlog drain (mean of 2)", percent(drainPlain, drainShaped), "% slower", "");
            cost.add("transform stage alone", String.format(Locale.ROOT, "%.2f", stageNanos / 1000), "us/event",
                    "filter + hash + computed on a bench_rows update, one thread");
            cost.add("stage / plain capture time per event", String.format(Locale.ROOT, "%.1f",
                    stageNanos / captureNanos * 100), "%", "the CPU share the stage adds to capture");
            cost.add("machine load average (1/5/15 min)", BenchEnv.loadAverage(), "", "");
            tables.add(cost);
        }
        return tables;
    }

    private static String percent(double plain, double shaped) {
        return String.format(Locale.ROOT, "%.1f", (plain - shaped) / plain * 100);
    }

    /** The snapshot's rate; {@code out} null for the warm-up run. */
    private static double snapshot(BenchEnv env, PipelineConfig config, long rows, ResultTable out, int round)
            throws Exception {
        try (PipelineRunner runner = new PipelineRunner(config, Duration.ofSeconds(60))) {
            runner.start();
            long started = System.nanoTime();
            long done = BenchEnv.awaitCount(runner, runner::captured, rows, Duration.ofMinutes(30), "snapshot");
            double secs = (done - started) / 1e9;
            env.out.printf(Locale.ROOT, "%s: snapshot of %,d rows in %.2f s%n", config.name(), rows, secs);
            if (out != null) {
                out.add("snapshot " + round, BenchEnv.rate(rows / secs), "rows/s", "");
            }
            return rows / secs;
        }
    }

    private static double drain(BenchEnv env, PipelineConfig config, long changes, ResultTable out, int round)
            throws Exception {
        try (PipelineRunner runner = new PipelineRunner(config, Duration.ofSeconds(60))) {
            runner.start();
            long first = BenchEnv.awaitCount(runner, runner::captured, 1, Duration.ofMinutes(5), "first commit");
            long firstCount = runner.captured();
            long end = BenchEnv.awaitCount(runner, runner::captured, changes, Duration.ofMinutes(30), "backlog");
            double secs = (end - first) / 1e9;
            env.out.printf(Locale.ROOT, "%s: backlog of %,d changes drained in %.2f s%n", config.name(), changes, secs);
            double rate = (changes - firstCount) / secs;
            out.add("streaming, backlog drain " + (round + 1), BenchEnv.rate(rate), "events/s", "");
            return rate;
        }
    }
}
