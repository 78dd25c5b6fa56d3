package io.ferry.bench;

import io.ferry.clickhouse.ClickHouseTestServer;
import io.ferry.cli.PipelineRunner;
import io.ferry.core.config.PipelineConfigParser;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.LongPredicate;

/**
 * PostgreSQL → Kafka → ClickHouse next to PostgreSQL → Kafka → PostgreSQL, in one run on one machine: a pipeline
 * per target, one after the other, from the same source table. Per target: snapshot rows/s until the target holds
 * every row, sustained streaming changes/s measured at the target, and commit-to-visible latency of marker rows
 * (idle: each marker waited for before the next). ClickHouse is Debian's 18.16 server started by ferry-clickhouse's
 * test fixture; a row counts as visible when {@code FINAL} shows it.
 */
final class ClickHouseBenchmark {

    static final long DEFAULT_CHANGES = 200_000;

    private ClickHouseBenchmark() {
    }

    static ResultTable run(Options o) throws Exception {
        long changes = o.changesOr(DEFAULT_CHANGES);
        ResultTable table = new ResultTable(String.format(Locale.ROOT,
                "ClickHouseBenchmark: PostgreSQL -> Kafka -> PostgreSQL and -> ClickHouse 18.16, %,d rows, %,d changes",
                o.rows, changes));
        String loadBefore = BenchEnv.loadAverage();
        try (BenchEnv env = BenchEnv.start(o); ClickHouseTestServer ch = ClickHouseTestServer.start()) {
            env.printMachine();
            env.load(o.rows, true);
            String database = ch.freshDatabase();
            for (String target : List.of("postgres", "clickhouse")) {
                String sink = target.equals("postgres")
                        ? "sink:\n  type: postgres\n  host: 127.0.0.1\n  port: " + env.pg.getPort()
                                + "\n  database: replica\n  user: postgres\n"
                        : "sink:\n  type: clickhouse\n  host: 127.0.0.1\n  port: " + ch.httpPort() + "\n  database: "
                                + database + "\n  user: " + ClickHouseTestServer.USER + "\n  password: "
                                + ClickHouseTestServer.PASSWORD + "\n";
                String yaml = "name: bench-" + target + "\nsource:\n  type: postgres\n  host: 127.0.0.1\n  port: "
                        + env.pg.getPort() + "\n  database: bench\n  user: postgres\n  tables: [\"public.*\"]\n"
                        + "kafka:\n  data-dir: " + o.dir.resolve("kafka-" + target) + "\n" + sink;
                LongPredicate visible = target.equals("postgres") ? id -> inReplica(env, id)
                        : id -> ch.query("SELECT count() FROM " + database + ".bench_probe FINAL WHERE id = " + id
                                + " AND _ferry_deleted = 0").get(0).get(0).equals("1");
                measure(env, o, changes, target, new PipelineConfigParser().parse(yaml, "bench-" + target + ".yaml"),
                        visible, table);
            }
        }
        table.add("machine load average (1/5/15 min)", BenchEnv.loadAverage(), "", "at start: " + loadBefore);
        return table;
    }

    private static void measure(BenchEnv env, Options o, long changes, String target,
                                io.ferry.core.config.PipelineConfig config, LongPredicate visible, ResultTable table)
            throws Exception {
        long rows;
        try (Connection c = env.source()) {
            rows = BenchEnv.count(c, "bench_rows");
        }
        try (PipelineRunner runner = new PipelineRunner(config, Duration.ofSeconds(60))) {
            long t0 = System.nanoTime();
            runner.start();
            long done = BenchEnv.awaitCount(runner, runner::applied, rows, Duration.ofMinutes(30), "snapshot applied");
            double snapshot = (done - t0) / 1e9;
            env.out.printf(Locale.ROOT, "%s: snapshot of %,d rows in the target after %.2f s%n", target, rows, snapshot);
            table.add("snapshot -> " + target, BenchEnv.rate(rows / snapshot), "rows/s",
                    String.format(Locale.ROOT, "%,d rows in %.1f s incl. startup", rows, snapshot));

            long base = runner.applied();
            long nextId;
            try (Connection c = env.source(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT max(id) + 1 FROM bench_rows")) {
                rs.next();
                nextId = rs.getLong(1);
            }
            BenchEnv.Workload w = new BenchEnv.Workload(changes, nextId);
            try (Connection c = env.source()) {
                w.run(c, rows);
            }
            long applied = BenchEnv.awaitCount(runner, runner::applied, base + changes, Duration.ofMinutes(30),
                    "streaming applied");
            double secs = (applied - w.startNanos) / 1e9;
            env.out.printf(Locale.ROOT, "%s: %,d changes written in %.2f s, all in the target after %.2f s%n", target,
                    changes, w.seconds(), secs);
            table.add("streaming applied -> " + target, BenchEnv.rate(changes / secs), "changes/s",
                    String.format(Locale.ROOT, "first write -> last change in target (source wrote %,.0f/s)",
                            changes / w.seconds()));

            long[] latencies = probe(env, o, visible);
            Arrays.sort(latencies);
            table.add("latency idle p50/p99 -> " + target, String.format(Locale.ROOT, "%.1f / %.1f",
                    latencies[latencies.length / 2] / 1e6, latencies[(int) (latencies.length * 0.99)] / 1e6), "ms",
                    latencies.length + " markers, commit returned -> visible in the target");
            if (runner.failureMessage() != null) {
                throw new IllegalStateException(runner.failureMessage());
            }
        }
    }

    /** Marker rows one at a time for {@code --seconds}: commit, then poll the target until it shows the row. */
    private static long[] probe(BenchEnv env, Options o, LongPredicate visible) throws SQLException {
        long[] out = new long[100_000];
        int n = 0;
        long end = System.nanoTime() + o.seconds * 1_000_000_000L;
        try (Connection c = env.source(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT coalesce(max(id), 0) + 1 FROM bench_probe");
             PreparedStatement ins = c.prepareStatement("INSERT INTO bench_probe (id, seq) VALUES (?, ?)")) {
            rs.next();
            long id = rs.getLong(1);
            while (System.nanoTime() < end && n < out.length) {
                ins.setLong(1, id);
                ins.setLong(2, n);
                ins.executeUpdate();
                long committed = System.nanoTime();
                while (!visible.test(id)) {
                    if (System.nanoTime() - committed > 60_000_000_000L) {
                        throw new IllegalStateException("marker " + id + " not visible after 60 s");
                    }
                    Thread.onSpinWait();
                }
                out[n++] = System.nanoTime() - committed;
                id++;
            }
        }
        return Arrays.copyOf(out, n);
    }

    private static boolean inReplica(BenchEnv env, long id) {
        try (Connection r = env.replica(); Statement s = r.createStatement();
             ResultSet rs = s.executeQuery("SELECT 1 FROM bench_probe WHERE id = " + id)) {
            return rs.next();
        } catch (SQLException e) {
            return false;
        }
    }
}
