package io.ferry.bench;

import io.ferry.cli.PipelineRunner;
import io.ferry.cli.RunnerView;
import io.ferry.core.config.HttpConfig;
import io.ferry.core.config.PipelineConfig;
import io.ferry.ops.Operations;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;

/**
 * The cost of seeing inside: one PostgreSQL -> Kafka -> PostgreSQL pipeline streams the same workload in
 * alternating phases without and with {@link Operations} (metrics, health readings, the HTTP server, and a
 * scraper reading {@code /metrics} and the status every second, as Prometheus and the dashboard would). The
 * phases share one run, so the machine's state is the same for both. Besides throughput, each phase measures the
 * JVM's CPU time per applied change, which other load on the machine hardly moves.
 */
final class MetricsCostBenchmark {

    private static final long DEFAULT_CHANGES = 100_000;

    private MetricsCostBenchmark() {
    }

    static ResultTable run(Options o) throws Exception {
        long changes = o.changesOr(DEFAULT_CHANGES);
        ResultTable table = new ResultTable(String.format(Locale.ROOT,
                "MetricsCostBenchmark: PostgreSQL -> Kafka -> PostgreSQL, %,d changes per phase, a warm-up then metrics off/on"
                        + " in ABBA order",
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
                Phase[] off = new Phase[order.length / 2];
                Phase[] on = new Phase[order.length / 2];
                int offs = 0;
                int ons = 0;
                long nextId = o.rows + 1;
                // Not counted: the JIT compiles the pipeline's and the metrics' paths before either side is measured
                // (the first phase of a run needed twice the CPU per change of the later ones).
                Phase warm = phase(env, runner, view, o, changes, nextId, true);
                env.out.printf(Locale.ROOT, "warm-up, metrics on: %,.0f changes/s applied, %.1f µs CPU per change%n",
                        warm.rate, warm.cpuMicros);
                nextId += changes;
                for (int phase = 0; phase < order.length; phase++) {
                    boolean metrics = order[phase];
                    Phase p = phase(env, runner, view, o, changes, nextId, metrics);
                    if (metrics) {
                        on[ons++] = p;
                    } else {
                        off[offs++] = p;
                    }
                    env.out.printf(Locale.ROOT, "phase %d, metrics %s: %,.0f changes/s applied, %.1f µs CPU per"
                            + " change%n", phase + 1, metrics ? "on" : "off", p.rate, p.cpuMicros);
                    nextId += changes;
                }
                double offMean = Arrays.stream(off).mapToDouble(Phase::rate).average().orElse(0);
                double onMean = Arrays.stream(on).mapToDouble(Phase::rate).average().orElse(0);
                table.add("applied, metrics off", BenchEnv.rate(offMean), "changes/s", "phases " + list(off, Phase::rate, "%,.0f"));
                table.add("applied, metrics on", BenchEnv.rate(onMean), "changes/s", "phases " + list(on, Phase::rate, "%,.0f")
                        + "; scraped every second");
                table.add("cost of metrics", String.format(Locale.ROOT, "%.1f", 100 * (offMean - onMean) / offMean), "%",
                        "off minus on, over off; a negative cost means on was faster");
                double offCpu = median(off);
                double onCpu = median(on);
                table.add("CPU per change, metrics off", String.format(Locale.ROOT, "%.1f", offCpu), "µs",
                        "median; phases " + list(off, Phase::cpuMicros, "%.1f") + "; spread " + spread(off, offCpu));
                table.add("CPU per change, metrics on", String.format(Locale.ROOT, "%.1f", onCpu), "µs",
                        "median; phases " + list(on, Phase::cpuMicros, "%.1f") + "; spread " + spread(on, onCpu));
                table.add("CPU cost of metrics", String.format(Locale.ROOT, "%+.1f", 100 * (onCpu - offCpu) / offCpu), "%",
                        "on minus off, over off, of the medians: the JVM's CPU time (Kafka broker, capture, apply,"
                                + " metrics, GC) per applied change, the bench's own writer and scraper threads left out");
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

    /** One phase: applied changes a second, and CPU time per applied change (see {@link PipelineCpu}). */
    private record Phase(double rate, double cpuMicros) {
    }

    private static String list(Phase[] phases, java.util.function.ToDoubleFunction<Phase> value, String format) {
        StringBuilder b = new StringBuilder();
        for (Phase p : phases) {
            b.append(b.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, format, value.applyAsDouble(p)));
        }
        return b.toString();
    }

    private static double median(Phase[] phases) {
        double[] v = Arrays.stream(phases).mapToDouble(Phase::cpuMicros).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** Highest minus lowest phase, over the median: how far phases of one kind differ. */
    private static String spread(Phase[] phases, double median) {
        double max = Arrays.stream(phases).mapToDouble(Phase::cpuMicros).max().orElse(0);
        double min = Arrays.stream(phases).mapToDouble(Phase::cpuMicros).min().orElse(0);
        return String.format(Locale.ROOT, "%.1f %%", 100 * (max - min) / median);
    }

    private static double sample(String exposition, String name) {
        for (String line : exposition.split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1).strip());
            }
        }
        return 0;
    }

    /** One phase of {@code changes} changes, with {@link Operations} and a scraper running when {@code metrics}. */
    private static Phase phase(BenchEnv env, PipelineRunner runner, RunnerView view, Options o, long changes,
                               long firstId, boolean metrics) throws Exception {
        Operations ops = metrics ? Operations.start(view) : null;
        Thread scraper = metrics ? scraper(ops) : null;
        try {
            long base = runner.applied();
            BenchEnv.Workload w = new BenchEnv.Workload(changes, firstId);
            PipelineCpu cpu = new PipelineCpu(scraper);
            try (Connection c = env.source()) {
                w.run(c, o.rows);
            }
            long applied = BenchEnv.awaitCount(runner, runner::applied, base + changes, Duration.ofMinutes(30),
                    "phase applied");
            return new Phase(changes / ((applied - w.startNanos) / 1e9), cpu.nanos() / 1e3 / changes);
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
    }

    /**
     * CPU time this JVM spends from construction on, on every thread but the bench's own: the calling thread (it
     * writes the workload and waits) and the scraper (it plays Prometheus, which runs elsewhere). What is left is the
     * pipeline's (the Kafka broker in this JVM included), the metrics' and the JVM's (GC, JIT). Unlike wall-clock
     * throughput, it hardly moves when other processes take the cores.
     */
    private static final class PipelineCpu {
        private static final com.sun.management.OperatingSystemMXBean OS =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

        private final Thread scraper;
        private final long process;
        private final long self;
        private final long scraped;

        PipelineCpu(Thread scraper) {
            this.scraper = scraper;
            this.scraped = scraperCpu();
            this.self = THREADS.getCurrentThreadCpuTime();
            this.process = OS.getProcessCpuTime();
        }

        long nanos() {
            long p = OS.getProcessCpuTime() - process;
            long s = THREADS.getCurrentThreadCpuTime() - self;
            return p - s - (scraperCpu() - scraped);
        }

        private long scraperCpu() {
            return scraper == null ? 0 : Math.max(0, THREADS.getThreadCpuTime(scraper.getId()));
        }
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
