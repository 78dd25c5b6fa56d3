package io.ferry.bench;

import io.ferry.cli.PipelineRunner;
import io.ferry.core.config.PipelineConfig;
import io.ferry.core.config.PipelineConfigParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.iceberg.io.CloseableIterable;

/**
 * PostgreSQL → Kafka → Apache Iceberg (a local file-system warehouse): the snapshot and streaming rates counted
 * where rows become visible (committed in a snapshot), and commit-to-visible latency: a marker row committed in
 * PostgreSQL until a reader of the Iceberg table sees it. {@code sink.commit-interval} is 1 s, which bounds it.
 */
final class IcebergBenchmark {

    private static final String COMMIT_INTERVAL = "1s";

    private IcebergBenchmark() {
    }

    static ResultTable run(Options o) throws Exception {
        long changes = o.changesOr(EndToEndBenchmark.DEFAULT_CHANGES);
        ResultTable table = new ResultTable(String.format(Locale.ROOT,
                "IcebergBenchmark: PostgreSQL -> Kafka -> Iceberg (file system, commit-interval %s), %,d rows, %,d changes",
                COMMIT_INTERVAL, o.rows, changes));
        try (BenchEnv env = BenchEnv.start(o)) {
            env.load(o.rows, true);
            String lake = o.dir.resolve("lake").toAbsolutePath().toString();
            PipelineConfig config = pipeline(env, o, lake);
            HadoopCatalog catalog = new HadoopCatalog();
            catalog.setConf(new org.apache.hadoop.conf.Configuration());
            catalog.initialize("bench", Map.of("warehouse", lake));
            try (PipelineRunner runner = new PipelineRunner(config, Duration.ofSeconds(60))) {
                long t0 = System.nanoTime();
                runner.start();
                long visible = awaitCommitted(catalog, "bench_rows", runner, o.rows);
                double total = (visible - t0) / 1e9;
                env.out.printf(Locale.ROOT, "Snapshot: %,d rows visible in Iceberg %.2f s after start()%n", o.rows, total);
                table.add("snapshot (start() -> all rows visible)", BenchEnv.rate(o.rows / total), "rows/s",
                        String.format(Locale.ROOT, "%.1f s incl. startup", total));

                BenchEnv.Workload w = new BenchEnv.Workload(changes, o.rows + 1);
                AtomicReference<Throwable> writerError = new AtomicReference<>();
                Thread writer = new Thread(() -> {
                    try (Connection c = env.source()) {
                        w.run(c, o.rows);
                    } catch (Throwable e) {
                        writerError.set(e);
                    }
                }, "bench-writer");
                writer.start();
                writer.join();
                if (writerError.get() != null) {
                    throw new IllegalStateException("workload failed", writerError.get());
                }
                long streamed = awaitCommitted(catalog, "bench_rows", runner, o.rows + changes);
                double secs = (streamed - w.startNanos) / 1e9;
                env.out.printf(Locale.ROOT, "  source wrote %,d changes in %.2f s; all visible in Iceberg after %.2f s%n",
                        changes, w.seconds(), secs);
                table.add("streaming: applied (visible in Iceberg)", BenchEnv.rate(changes / secs), "changes/s",
                        "first write -> last change committed");

                long[] latencies = probe(env, catalog, o, runner);
                table.add("commit-to-visible latency p50 / p99 / max",
                        String.format(Locale.ROOT, "%.0f / %.0f / %.0f", EndToEndBenchmark.ms(
                                EndToEndBenchmark.percentile(latencies, 0.5)), EndToEndBenchmark.ms(
                                EndToEndBenchmark.percentile(latencies, 0.99)), EndToEndBenchmark.ms(
                                EndToEndBenchmark.percentile(latencies, 1.0))), "ms",
                        latencies.length + " markers, one every 200 ms; bounded by commit-interval");
                if (runner.failureMessage() != null) {
                    throw new IllegalStateException(runner.failureMessage());
                }
            }
        }
        table.add("machine load average (1/5/15 min)", BenchEnv.loadAverage(), "", "");
        return table;
    }

    private static PipelineConfig pipeline(BenchEnv env, Options o, String lake) {
        String base = env.pipelineYaml();
        return new PipelineConfigParser().parse(base + "sink:\n  type: iceberg\n  warehouse: " + lake
                + "\n  commit-interval: " + COMMIT_INTERVAL + "\n", "bench-iceberg.yaml");
    }

    /**
     * Waits until capture has {@code captured} events in Kafka, then until the table's newest snapshot carries the
     * topic's end offset (everything in Kafka is committed in Iceberg); returns when that was first seen.
     */
    private static long awaitCommitted(HadoopCatalog catalog, String name, PipelineRunner runner, long captured)
            throws InterruptedException {
        BenchEnv.awaitCount(runner, runner::captured, captured, Duration.ofMinutes(30), "captured");
        String topic = "bench.public." + name;
        long end = endOffset(runner.bootstrapServers(), topic);
        TableIdentifier id = TableIdentifier.of(Namespace.of("public"), name);
        long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
        while (true) {
            if (runner.failureMessage() != null) {
                throw new IllegalStateException(runner.failureMessage());
            }
            if (catalog.tableExists(id)) {
                Snapshot s = catalog.loadTable(id).currentSnapshot();
                String offsets = s == null ? null : s.summary().get("ferry.offsets." + topic);
                // The last offset is the commit marker of the last Kafka transaction, which the applier never reads.
                if (offsets != null && committedNext(offsets) >= end - 1) {
                    return System.nanoTime();
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for offset " + end + " of " + topic + " in Iceberg");
            }
            Thread.sleep(20);
        }
    }

    /** The next offset of partition 0 in the summary's {@code {"0": n}}. */
    private static long committedNext(String json) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"0\":(\\d+)").matcher(json);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /** The end of partition 0 as a read_committed consumer sees it (transaction markers included). */
    private static long endOffset(String bootstrap, String topic) {
        java.util.Properties p = new java.util.Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("isolation.level", "read_committed");
        try (org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> c =
                     new org.apache.kafka.clients.consumer.KafkaConsumer<>(p,
                             new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                             new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition(topic, 0);
            return c.endOffsets(List.of(tp)).get(tp);
        }
    }

    /** A marker row every 200 ms for {@code --seconds}; each is timed from its commit until a scan shows it. */
    private static long[] probe(BenchEnv env, HadoopCatalog catalog, Options o, PipelineRunner runner)
            throws SQLException, InterruptedException {
        long firstId = System.currentTimeMillis();
        int n = Math.max(5, o.seconds * 5);
        long[] committed = new long[n];
        long[] seen = new long[n];
        TableIdentifier id = TableIdentifier.of(Namespace.of("public"), "bench_probe");
        try (Connection src = env.source();
             PreparedStatement ins = src.prepareStatement("INSERT INTO bench_probe (id, seq) VALUES (?, ?)")) {
            int issued = 0;
            long next = System.nanoTime();
            long giveUp = Long.MAX_VALUE;
            int found = 0;
            while (found < n && System.nanoTime() < giveUp) {
                if (issued < n && System.nanoTime() >= next) {
                    ins.setLong(1, firstId + issued);
                    ins.setLong(2, System.nanoTime());
                    ins.executeUpdate();
                    committed[issued++] = System.nanoTime();
                    next += 200_000_000L;
                    if (issued == n) {
                        giveUp = System.nanoTime() + 60_000_000_000L;
                    }
                }
                if (catalog.tableExists(id)) {
                    Set<Long> ids = ids(catalog.loadTable(id));
                    long now = System.nanoTime();
                    for (int k = 0; k < issued; k++) {
                        if (seen[k] == 0 && ids.contains(firstId + k)) {
                            seen[k] = now;
                            found++;
                        }
                    }
                }
                if (runner.failureMessage() != null) {
                    throw new IllegalStateException(runner.failureMessage());
                }
                Thread.sleep(20);
            }
        }
        long[] out = new long[n];
        int m = 0;
        for (int k = 0; k < n; k++) {
            if (seen[k] != 0) {
                out[m++] = seen[k] - committed[k];
            }
        }
        long[] sorted = Arrays.copyOf(out, m);
        Arrays.sort(sorted);
        return sorted;
    }

    private static Set<Long> ids(Table t) {
        Set<Long> ids = new HashSet<>();
        try (CloseableIterable<Record> rows = IcebergGenerics.read(t).select("id").build()) {
            for (Record r : rows) {
                ids.add((Long) r.getField("id"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ids;
    }
}
