package io.ferry.ops;

import io.ferry.core.ChangeEvent;
import io.ferry.core.SourceStatus;
import io.ferry.core.SourceStatus.TableProgress;
import io.ferry.core.health.Part;
import io.ferry.core.health.PartState;
import io.ferry.kafka.Applier;
import io.ferry.kafka.TopicAdmin.PartitionHealth;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * A pipeline's Prometheus metrics. Counters and gauges read the pipeline's own counters when scraped; the only
 * work on the pipeline's path is one timer record per source transaction applied (the end-to-end latency), on
 * the applier's writer thread. {@link #sample()} turns counters into rates once a second.
 */
final class PipelineMetrics implements Applier.BatchListener {

    private final RunningPipeline pipeline;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Timer latency;
    private final Set<String> snapshotTables = ConcurrentHashMap.newKeySet();
    private final Map<String, TableProgress> progress = new ConcurrentHashMap<>();
    private final MultiGauge leader;
    private final MultiGauge replicas;
    private final MultiGauge isr;
    private final MultiGauge minIsr;
    private final MultiGauge underReplicated;
    private final MultiGauge underMinIsr;
    private final MultiGauge highWatermark;
    private final MultiGauge lastStableOffset;
    private final MultiGauge consumerLag;
    private volatile long applyBehindSourceMillis;
    private volatile double captureRate;
    private volatile double applyRate;
    private volatile double retainedLogBytes = Double.NaN;
    private long lastCaptured;
    private long lastApplied;
    private long lastSampleNanos = System.nanoTime();
    private double lastLatencyTotal;
    private long lastLatencyCount;
    private volatile double windowLatencyMillis;

    PipelineMetrics(RunningPipeline pipeline) {
        this.pipeline = pipeline;
        counter("ferry.capture.events", "Changes captured and committed to Kafka", RunningPipeline::eventsCaptured);
        counter("ferry.capture.transactions", "Kafka transactions committed by capture (each holds whole source"
                + " transactions or part of a big one)", RunningPipeline::transactionsCommitted);
        counter("ferry.apply.events", "Changes committed in the target", RunningPipeline::eventsApplied);
        counter("ferry.filtered.events", "Changes captured but filtered out before Kafka (no filters exist yet)",
                p -> 0);
        counter("ferry.dead.letter.events", "Records the sink refused and sent to the dead-letter topic",
                RunningPipeline::deadLettered);
        gauge("ferry.capture.behind.source.milliseconds", "Milliseconds between the source commit of the newest"
                + " captured change and its commit to Kafka", p -> p.captureBehindSourceMillis());
        gauge("ferry.apply.behind.source.milliseconds", "Milliseconds between the source commit of the newest"
                + " applied change and its commit in the target (end-to-end lag)", p -> applyBehindSourceMillis);
        gauge("ferry.capture.events.per.second", "Changes committed to Kafka per second, over the last second",
                p -> captureRate);
        gauge("ferry.apply.events.per.second", "Changes committed in the target per second, over the last second",
                p -> applyRate);
        gauge("ferry.snapshot.running", "1 while the initial snapshot copies tables", p -> snapshotRunning() ? 1 : 0);
        gauge("ferry.snapshot.completed", "1 once every table of the snapshot is copied",
                p -> !progress.isEmpty() && remaining() == 0 ? 1 : 0);
        gauge("ferry.snapshot.tables.remaining", "Tables the snapshot has still to finish", p -> remaining());
        gauge("ferry.source.retained.log.bytes", "Bytes of source log held back for the pipeline: a PostgreSQL"
                + " slot's retained WAL, or the MySQL binlog written after the committed position", p -> retainedLogBytes);
        gauge("ferry.source.max.retained.log.bytes", "source.max-retained-wal: the retained log alert threshold",
                p -> p.config().maxRetainedWalBytes());
        gauge("ferry.apply.max.behind.source.milliseconds", "sink.max-lag: the apply lag alert threshold",
                p -> p.config().maxLag().toMillis());
        gauge("ferry.capture.failed", "1 when capture stopped on an error", p -> failed(p.captureState()));
        gauge("ferry.apply.failed", "1 when apply stopped on an error", p -> failed(p.applyState()));
        gauge("ferry.paused", "1 while the pipeline is paused through the API", p -> p.paused() ? 1 : 0);
        gauge("ferry.stopped", "1 while the pipeline is stopped through the API (capture and apply ended, their"
                + " connections released)", p -> p.stopped() ? 1 : 0);
        for (PartState s : pipeline.health().parts()) {
            Part part = s.part();
            Gauge.builder("ferry.part.down", pipeline, p -> partState(p, part).down() ? 1 : 0)
                    .description("1 while the part (source, kafka, sink) is down and retried: out of reach, or its"
                            + " login refused").tags("part", StatusJson.partName(part)).register(registry);
            Gauge.builder("ferry.part.failed.attempts", pipeline, p -> partState(p, part).failedAttempts())
                    .description("Failed attempts to use the part in its current outage; 0 while up")
                    .tags("part", StatusJson.partName(part)).register(registry);
        }
        latency = Timer.builder("ferry.end.to.end.latency")
                .description("Seconds from a source transaction's commit to its commit in the target")
                .publishPercentileHistogram()
                .publishPercentiles(0.5, 0.99)
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(10))
                .register(registry);
        leader = multi("ferry.partition.leader", "Broker id of the partition's leader, -1 without one");
        replicas = multi("ferry.partition.replicas", "Replicas assigned to the partition");
        isr = multi("ferry.partition.in.sync.replicas", "Replicas in the partition's ISR");
        minIsr = multi("ferry.partition.min.in.sync.replicas", "The topic's min.insync.replicas");
        underReplicated = multi("ferry.partition.under.replicated", "1 when the ISR is smaller than the replicas");
        underMinIsr = multi("ferry.partition.under.min.isr", "1 when the ISR is smaller than min.insync.replicas:"
                + " acks=all writes to it fail");
        highWatermark = multi("ferry.partition.high.watermark", "The partition's high watermark");
        lastStableOffset = multi("ferry.partition.last.stable.offset", "The offset read_committed consumers read up to");
        consumerLag = multi("ferry.partition.consumer.lag", "Records the apply side has still to read, up to the"
                + " last stable offset");
    }

    /** The Prometheus text exposition of every metric. */
    String scrape() {
        return registry.scrape();
    }

    @Override
    public void committed(List<ChangeEvent> events, long committedMillis) {
        long previous = Long.MIN_VALUE;
        // One sample per source transaction: its events share a commit time, and a marker-row latency is per transaction.
        for (ChangeEvent e : events) {
            long micros = e.commitMicros();
            if (micros != previous && micros > 0) {
                latency.record(Math.max(0, committedMillis * 1000 - micros), TimeUnit.MICROSECONDS);
                previous = micros;
            }
        }
        long newest = events.get(events.size() - 1).commitMicros();
        if (newest > 0) {
            applyBehindSourceMillis = Math.max(0, committedMillis - newest / 1000);
        }
    }

    /** Once a second: rates over the past interval, and the snapshot's tables. */
    synchronized void sample() {
        long now = System.nanoTime();
        double seconds = Math.max(1e-3, (now - lastSampleNanos) / 1e9);
        long captured = pipeline.eventsCaptured();
        long applied = pipeline.eventsApplied();
        captureRate = Math.max(0, captured - lastCaptured) / seconds;
        applyRate = Math.max(0, applied - lastApplied) / seconds;
        double total = latency.totalTime(TimeUnit.MILLISECONDS);
        long count = latency.count();
        if (count > lastLatencyCount) {
            windowLatencyMillis = (total - lastLatencyTotal) / (count - lastLatencyCount);
        }
        lastLatencyTotal = total;
        lastLatencyCount = count;
        lastCaptured = captured;
        lastApplied = applied;
        lastSampleNanos = now;
        SourceStatus s = pipeline.source();
        for (TableProgress t : s.tables()) {
            String table = t.table().toString();
            progress.put(table, t);
            if (snapshotTables.add(table)) {
                FunctionCounter.builder("ferry.snapshot.rows.scanned", this,
                                m -> m.progress.get(table).rowsDone())
                        .description("Rows the snapshot has read from the table").tags("table", table)
                        .register(registry);
                // Chunks, not rows, are what a restart re-reads at most one of: with the chunk size they say how
                // much a kill now would cost.
                FunctionCounter.builder("ferry.snapshot.chunks.done", this,
                                m -> m.progress.get(table).chunksDone())
                        .description("Chunks of the table the snapshot has handed over, counting those of an"
                                + " interrupted run it resumed after").tags("table", table)
                        .register(registry);
                Gauge.builder("ferry.snapshot.chunk.rows", this, m -> m.progress.get(table).chunkRows())
                        .description("Rows per chunk the snapshot reads the table in (0: not read in chunks)")
                        .tags("table", table).register(registry);
            }
        }
    }

    /** The newest replication health of the pipeline's partitions, published as per-partition gauges. */
    void health(List<PartitionHealth> partitions, Double retainedBytes) {
        retainedLogBytes = retainedBytes == null ? Double.NaN : retainedBytes;
        publish(leader, partitions, p -> p.leader());
        publish(replicas, partitions, p -> p.replicas().size());
        publish(isr, partitions, p -> p.isr().size());
        publish(minIsr, partitions, p -> p.minIsr());
        publish(underReplicated, partitions, p -> p.underReplicated() ? 1 : 0);
        publish(underMinIsr, partitions, p -> p.underMinIsr() ? 1 : 0);
        publish(highWatermark, partitions, PartitionHealth::highWatermark);
        publish(lastStableOffset, partitions, PartitionHealth::lastStableOffset);
        publish(consumerLag, partitions, PartitionHealth::lag);
    }

    double captureRate() {
        return captureRate;
    }

    double applyRate() {
        return applyRate;
    }

    long applyBehindSourceMillis() {
        return applyBehindSourceMillis;
    }

    /** Mean end-to-end latency of the transactions applied during the last sample interval, or the one before. */
    double windowLatencyMillis() {
        return windowLatencyMillis;
    }

    /** p50 and p99 end-to-end latency in milliseconds, decayed over the last minutes. */
    double[] latencyPercentilesMillis() {
        ValueAtPercentile[] values = latency.takeSnapshot().percentileValues();
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i].value(TimeUnit.MILLISECONDS);
        }
        return out;
    }

    long latencyCount() {
        return latency.count();
    }

    double retainedLogBytes() {
        return retainedLogBytes;
    }

    private boolean snapshotRunning() {
        return !progress.isEmpty() && remaining() > 0;
    }

    private long remaining() {
        return progress.values().stream().filter(t -> !t.done()).count();
    }

    private static PartState partState(RunningPipeline p, Part part) {
        for (PartState s : p.health().parts()) {
            if (s.part() == part) {
                return s;
            }
        }
        throw new IllegalStateException("no part " + part);
    }

    private static double failed(String state) {
        return state != null && state.startsWith("failed") ? 1 : 0;
    }

    private void counter(String name, String help, ToLongFunction<RunningPipeline> value) {
        FunctionCounter.builder(name, pipeline, p -> value.applyAsLong(p)).description(help).register(registry);
    }

    private void gauge(String name, String help, ToDoubleFunction<RunningPipeline> value) {
        Gauge.builder(name, pipeline, value).description(help).register(registry);
    }

    private MultiGauge multi(String name, String help) {
        return MultiGauge.builder(name).description(help).register(registry);
    }

    private static void publish(MultiGauge gauge, List<PartitionHealth> partitions, ToDoubleFunction<PartitionHealth> f) {
        List<MultiGauge.Row<?>> rows = new ArrayList<>(partitions.size());
        for (PartitionHealth p : partitions) {
            double v = f.applyAsDouble(p);
            rows.add(MultiGauge.Row.of(Tags.of("topic", p.topic(), "partition", Integer.toString(p.partition())), v));
        }
        gauge.register(rows, true);
    }
}
