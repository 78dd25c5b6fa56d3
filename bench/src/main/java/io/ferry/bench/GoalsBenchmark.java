package io.ferry.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Issue 11's speed goals, measured in one run and printed as one table with the goal and whether it was met:
 * capture and snapshot against Debezium ({@link PeerBenchmark}), the initial load against raw COPY, apply against
 * capture and the latency at 10,000 changes/s ({@link EndToEndBenchmark}), and a snapshot of ten times
 * {@code --rows} in a child JVM limited to a 1 GB heap ({@link CaptureBenchmark}, which reports its memory).
 */
final class GoalsBenchmark {

    /** The background load the latency goal is stated for. */
    static final int LATENCY_RATE = 10_000;

    private GoalsBenchmark() {
    }

    static List<ResultTable> run(Options o) throws Exception {
        String loadBefore = BenchEnv.loadAverage();
        ResultTable peer = PeerBenchmark.run(o);
        peer.print(System.out);
        o.rate = LATENCY_RATE;
        ResultTable e2e = EndToEndBenchmark.run(o);
        e2e.print(System.out);
        long memoryRows = 10 * o.rows;
        List<String> memory = snapshotInOneGigabyte(o, memoryRows);

        ResultTable goals = new ResultTable("Issue 11 goals, one run; load average " + loadBefore + " at start, "
                + BenchEnv.loadAverage() + " at the end", "measured", "goal");
        String snap = "snapshot (start -> all rows in Kafka)";
        String drain = "streaming backlog drain (first -> last in Kafka)";
        atLeast(goals, "capture (backlog drain): Ferry / Debezium", number(peer.value(drain, 2)), 3.0, "x",
                peer.value(drain, 0) + " vs " + peer.value(drain, 1) + " events/s");
        atLeast(goals, "snapshot: Ferry / Debezium", number(peer.value(snap, 2)), 3.0, "x",
                peer.value(snap, 0) + " vs " + peer.value(snap, 1) + " rows/s");
        atLeast(goals, "initial load / raw COPY", number(e2e.value("initial load / raw COPY", 0)), 0.5, "",
                e2e.value("snapshot (start() -> all rows in target)", 0) + " vs "
                        + e2e.value("raw COPY into an empty table with a primary key", 0) + " rows/s");
        double applied = number(e2e.value("streaming: applied (in target)", 0));
        double captured = number(e2e.value("streaming: captured (in Kafka)", 0));
        atLeast(goals, "streaming apply / capture", applied / captured, 0.95, "",
                String.format(Locale.ROOT, "%,.0f applied vs %,.0f captured changes/s", applied, captured));
        String latency = String.format(Locale.ROOT, "latency, %,d changes/s background", LATENCY_RATE);
        double p99 = number(e2e.value(latency + " p99", 0));
        goals.add("p99 commit -> visible at 10,000 changes/s", fmt(p99) + " ms", "< 250 ms",
                (p99 < 250 ? "met" : "NOT met") + "; background achieved " + e2e.value(latency + ": achieved", 0)
                        + " changes/s");
        String rss = memory.isEmpty() ? null : memory.get(0);
        goals.add(String.format(Locale.ROOT, "%,d-row snapshot under -Xmx1g", memoryRows),
                rss == null ? "failed" : "peak RSS " + rss + " MiB", "completes, bounded",
                rss == null ? "NOT met: see the child's output above" : "met; heap left after GCs at most "
                        + memory.get(1) + " MiB");
        return List.of(peer, e2e, goals);
    }

    private static void atLeast(ResultTable goals, String metric, double value, double goal, String unit, String note) {
        goals.add(metric, fmt(value) + unit, ">= " + fmt(goal) + unit, (value >= goal ? "met" : "NOT met") + "; " + note);
    }

    /**
     * Runs the capture benchmark's snapshot in a child JVM with a 1 GB heap, echoing its output. Returns its peak
     * RSS and largest heap left after a collection (MiB, as printed), or an empty list when it failed.
     */
    private static List<String> snapshotInOneGigabyte(Options o, long rows) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(java, "-Xms1g", "-Xmx1g", "-XX:+UseG1GC", "-cp",
                System.getProperty("java.class.path"), Benchmarks.class.getName(), "capture", "--rows", Long.toString(rows),
                "--snapshot-only", "--dir", o.dir.resolve("memory").toString())
                .redirectErrorStream(true).start();
        String rss = null;
        String heap = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                System.out.println("[-Xmx1g] " + line);
                if (line.startsWith("| snapshot: peak RSS of the JVM")) {
                    rss = line.split("\\|")[2].strip();
                } else if (line.startsWith("| snapshot: largest heap left after a GC")) {
                    heap = line.split("\\|")[2].strip();
                }
            }
        }
        List<String> result = new ArrayList<>();
        if (child.waitFor() == 0 && rss != null) {
            result.add(rss);
            result.add(heap);
        }
        return result;
    }

    /** A value as the tables print it: {@code 12,345}, {@code 2.10x} or {@code 0.13}. */
    private static double number(String printed) {
        if (printed == null) {
            return Double.NaN;
        }
        return Double.parseDouble(printed.replace(",", "").replace("x", "").strip());
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, v >= 100 ? "%,.0f" : "%.2f", v);
    }
}
