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
                "MetricsCostBenchmark: PostgreSQL -> Kafka -> PostgreSQL, %,d changes per phase, metrics off/on in ABBA order",
                changes));
        try (BenchEnv env = BenchEnv.start(o)) {
            env.printMachine();
            env.load(o.rows, true);
            PipelineConfig config = env.pipeline(true).withHttp(new HttpConfig(true, "127.0.0.1", 0, null));
            try (PipelineRunner runner = new PipelineRunner(config, Duration.ofSeconds(60))) {
                RunnerView view = new RunnerView(runner);
                runner.start();
                BenchEnv.awaitCount(runner, runner::applied, o.rows, Duration.ofMinutes(30), "snapshot applied");
                // ABBA order: a machine getting faster or slower over the run weighs on both sides alike.
                boolean[] order = {false, true, true, false, false, true, true, false};
                double[] off = new double[order.length / 2];
                double[] on = new double[order.length / 2];
                int offs = 0;
                int ons = 0;
                long nextId = o.rows + 1;
                for (int phase = 0; phase < order.length; phase++) {
                    boolean metrics = order[phase];
                    Operations ops = metrics ? Operations.start(view) : null;
                    Thread scraper = metrics ? scraper(ops) : null;
                    try {
                        double rate = phase(env, runner, o, changes, nextId);
                        if (metrics) {
                            on[ons++] = rate;
                        } else {
                            off[offs++] = rate;
                        }
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
                double offMean = java.util.Arrays.stream(off).average().orElse(0);
                double onMean = java.util.Arrays.stream(on).average().orElse(0);
                table.add("applied, metrics off", BenchEnv.rate(offMean), "changes/s", "phases " + rates(off));
                table.add("applied, metrics on", BenchEnv.rate(onMean), "changes/s", "phases " + rates(on)
                        + "; scraped every second");
                table.add("cost of metrics", String.format(Locale.ROOT, "%.1f", 100 * (offMean - onMean) / offMean), "%",
                        "off minus on, over off; a negative cost means on was faster");
                latencyAgreement(env, runner, view, o, table);
            }
        }
        return table;
    }

    /**
     * The latency histogram against the bench's own marker rows, over the same minutes at {@code --rate}
     * changes/s: the histogram's mean (target commit - source commit, per source transaction) and the markers'
     * (source commit returned - row visible in the replica).
     */
    private static void latencyAgreement(BenchEnv env, PipelineRunner runner, RunnerView view, Options o,
                                         ResultTable table) throws Exception {
        try (Operations ops = Operations.start(view)) {
            String before = ops.scrape();
            EndToEndBenchmark.Latencies markers = EndToEndBenchmark.probe(env, runner, o, o.rate);
            String after = ops.scrape();
            double sum = sample(after, "ferry_end_to_end_latency_seconds_sum") - sample(before, "ferry_end_to_end_latency_seconds_sum");
            double count = sample(after, "ferry_end_to_end_latency_seconds_count")
                    - sample(before, "ferry_end_to_end_latency_seconds_count");
            double histogramMs = count == 0 ? Double.NaN : 1000 * sum / count;
            long[] e2e = markers.endToEnd();
            double markerMs = java.util.Arrays.stream(e2e).average().orElse(Double.NaN) / 1e6;
            table.add(String.format(Locale.ROOT, "latency at %,d changes/s: histogram mean", o.rate),
                    String.format(Locale.ROOT, "%.1f", histogramMs), "ms",
                    String.format(Locale.ROOT, "%,.0f source transactions", count));
            table.add(String.format(Locale.ROOT, "latency at %,d changes/s: marker rows mean", o.rate),
                    String.format(Locale.ROOT, "%.1f", markerMs), "ms",
                    String.format(Locale.ROOT, "%d markers; histogram/markers = %.2f", e2e.length, histogramMs / markerMs));
        } finally {
            view.onAppliedBatch((events, millis) -> { });
        }
    }

    private static String rates(double[] rates) {
        StringBuilder b = new StringBuilder();
        for (double r : rates) {
            b.append(b.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%,.0f", r));
        }
        return b.toString();
    }

    private static double sample(String exposition, String name) {
        for (String line : exposition.split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1).strip());
            }
        }
        return 0;
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
