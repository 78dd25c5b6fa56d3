package io.ferry.bench;

import io.ferry.cli.PipelineRunner;
import io.ferry.cli.RunnerView;
import io.ferry.core.config.HttpConfig;
import io.ferry.core.config.PipelineConfig;
import io.ferry.ops.Operations;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.time.Duration;
import java.util.Locale;

/**
 * The cost of seeing inside: one PostgreSQL -> Kafka -> PostgreSQL pipeline streams the same workload in
 * alternating phases without and with {@link Operations} (metrics, health readings, the HTTP server, and a
 * scraper reading {@code /metrics} and the status every second, as Prometheus and the dashboard would). The
 * phases share one run, so the machine's state is the same for both.
 */
final class MetricsCostBenchmark {

    private static final long DEFAULT_CHANGES = 100_000;

    private MetricsCostBenchmark() {
    }

    static ResultTable run(Options o) throws Exception {
        long changes = o.changesOr(DEFAULT_CHANGES);
        ResultTable table = new ResultTable(String.format(Locale.ROOT,
                "MetricsCostBenchmark: PostgreSQL -> Kafka -> PostgreSQL, %,d changes per phase, metrics off/on/off/on",
                changes));
        try (BenchEnv env = BenchEnv.start(o)) {
            env.printMachine();
            env.load(o.rows, true);
            PipelineConfig config = env.pipeline(true).withHttp(new HttpConfig(true, "127.0.0.1", 0, null));
            try (PipelineRunner runner = new PipelineRunner(config, Duration.ofSeconds(60))) {
                RunnerView view = new RunnerView(runner);
                runner.start();
                BenchEnv.awaitCount(runner, runner::applied, o.rows, Duration.ofMinutes(30), "snapshot applied");
                double[] off = new double[2];
                double[] on = new double[2];
                long nextId = o.rows + 1;
                for (int phase = 0; phase < 4; phase++) {
                    boolean metrics = phase % 2 == 1;
                    Operations ops = metrics ? Operations.start(view) : null;
                    Thread scraper = metrics ? scraper(ops) : null;
                    try {
                        double rate = phase(env, runner, o, changes, nextId);
                        (metrics ? on : off)[phase / 2] = rate;
                        env.out.printf(Locale.ROOT, "phase %d, metrics %s: %,.0f changes/s applied%n", phase + 1,
                                metrics ? "on" : "off", rate);
                    } finally {
                        if (scraper != null) {
                            scraper.interrupt();
                            scraper.join();
                        }
                        if (ops != null) {
                            ops.close();
                            view.onAppliedBatch((events, millis) -> { });
                        }
                    }
                    nextId += changes;
                }
                double offMean = (off[0] + off[1]) / 2;
                double onMean = (on[0] + on[1]) / 2;
                table.add("applied, metrics off", BenchEnv.rate(offMean), "changes/s",
                        String.format(Locale.ROOT, "phases 1 and 3: %,.0f, %,.0f", off[0], off[1]));
                table.add("applied, metrics on", BenchEnv.rate(onMean), "changes/s",
                        String.format(Locale.ROOT, "phases 2 and 4: %,.0f, %,.0f; scraped every second", on[0], on[1]));
                table.add("cost of metrics", String.format(Locale.ROOT, "%.1f", 100 * (offMean - onMean) / offMean), "%",
                        "negative: on was faster (noise)");
            }
        }
        return table;
    }

    private static double phase(BenchEnv env, PipelineRunner runner, Options o, long changes, long firstId)
            throws Exception {
        long base = runner.applied();
        BenchEnv.Workload w = new BenchEnv.Workload(changes, firstId);
        try (Connection c = env.source()) {
            w.run(c, o.rows);
        }
        long applied = BenchEnv.awaitCount(runner, runner::applied, base + changes, Duration.ofMinutes(30), "phase applied");
        return changes / ((applied - w.startNanos) / 1e9);
    }

    /** Reads /metrics and the status once a second, as Prometheus and an open dashboard would. */
    private static Thread scraper(Operations ops) {
        String base = "http://127.0.0.1:" + ops.address().getPort();
        HttpClient client = HttpClient.newHttpClient();
        Thread t = new Thread(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    for (String path : new String[] {"/metrics", "/pipelines/bench/status"}) {
                        client.send(HttpRequest.newBuilder(URI.create(base + path)).build(),
                                HttpResponse.BodyHandlers.discarding());
                    }
                    Thread.sleep(1000);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, "bench-scraper");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
