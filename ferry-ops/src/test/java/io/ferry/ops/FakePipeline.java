package io.ferry.ops;

import io.ferry.core.Secret;
import io.ferry.core.SourceStatus;
import io.ferry.core.TableId;
import io.ferry.core.config.HttpConfig;
import io.ferry.core.config.KafkaConfig;
import io.ferry.core.config.PipelineConfig;
import io.ferry.core.config.SinkConfig;
import io.ferry.core.config.SourceConfig;
import io.ferry.core.health.Part;
import io.ferry.core.health.PipelineHealth;
import io.ferry.kafka.Applier;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** A pipeline whose counters a test sets, for the parts of the API that need no servers. */
final class FakePipeline implements RunningPipeline {

    final AtomicLong captured = new AtomicLong();
    final AtomicLong applied = new AtomicLong();
    volatile boolean paused;
    volatile int restarts;
    volatile Applier.BatchListener listener;
    final List<List<String>> snapshotRequests = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final PipelineConfig config;
    final PipelineHealth health = new PipelineHealth(java.time.Clock.systemUTC(),
            Map.of(Part.SOURCE, "postgres at db.internal:5432/shop", Part.KAFKA, "the embedded broker"));

    FakePipeline(HttpConfig http) {
        SourceConfig source = new SourceConfig("postgres", "db.internal", 5432, "shop", "ferry",
                new Secret("source-password"), List.of("public.orders"), SourceConfig.SnapshotMode.INITIAL);
        this.config = new PipelineConfig("shop", source, new KafkaConfig(null, "shop", Map.of(), "/tmp/none"),
                SinkConfig.none(), http, 1L << 30, PipelineConfig.DEFAULT_MAX_LAG, List.of(),
                List.of());
    }

    @Override
    public PipelineConfig config() {
        return config;
    }

    @Override
    public String bootstrapServers() {
        return null;
    }

    @Override
    public String captureState() {
        return paused ? "paused" : "running";
    }

    @Override
    public String applyState() {
        return null;
    }

    @Override
    public long eventsCaptured() {
        return captured.get();
    }

    @Override
    public long transactionsCommitted() {
        return captured.get() / 10;
    }

    @Override
    public long eventsApplied() {
        return applied.get();
    }

    @Override
    public long deadLettered() {
        return 0;
    }

    @Override
    public long captureBehindSourceMillis() {
        return 12;
    }

    @Override
    public SourceStatus source() {
        return new SourceStatus("snapshot", "0/16B3748", 0,
                List.of(new SourceStatus.TableProgress(new TableId("public", "orders"), 250, 1000, false, 10, 25)));
    }

    @Override
    public PipelineHealth health() {
        return health;
    }

    @Override
    public String failure() {
        return null;
    }

    @Override
    public boolean paused() {
        return paused;
    }

    @Override
    public void pause() {
        paused = true;
    }

    @Override
    public void resume() {
        paused = false;
        stopped = false;
    }

    volatile boolean stopped;
    volatile List<AppliedOffset> altered;

    @Override
    public void stop() {
        stopped = true;
    }

    @Override
    public boolean stopped() {
        return stopped;
    }

    @Override
    public List<String> resetOffsets() {
        return List.of("source: replication slot ferry_shop");
    }

    @Override
    public void setAppliedOffsets(List<AppliedOffset> offsets) {
        altered = offsets;
    }

    @Override
    public void restart() {
        restarts++;
    }

    /** Accepts tables named {@code public.*}; refuses any other as the source would, naming it. */
    @Override
    public List<TableId> requestSnapshot(List<String> tables) {
        snapshotRequests.add(tables);
        List<TableId> out = new java.util.ArrayList<>();
        for (String t : tables) {
            if (!t.startsWith("public.")) {
                throw new io.ferry.core.FerryException("table \"" + t + "\" is not captured");
            }
            out.add(new TableId("public", t.substring("public.".length())));
        }
        return out;
    }

    @Override
    public void onAppliedBatch(Applier.BatchListener l) {
        listener = l;
    }
}
