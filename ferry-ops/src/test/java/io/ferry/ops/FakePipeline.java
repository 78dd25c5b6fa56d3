package io.ferry.ops;

import io.ferry.core.Secret;
import io.ferry.core.SourceStatus;
import io.ferry.core.TableId;
import io.ferry.core.config.HttpConfig;
import io.ferry.core.config.KafkaConfig;
import io.ferry.core.config.PipelineConfig;
import io.ferry.core.config.SinkConfig;
import io.ferry.core.config.SourceConfig;
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
    private final PipelineConfig config;

    FakePipeline(HttpConfig http) {
        SourceConfig source = new SourceConfig("postgres", "db.internal", 5432, "shop", "ferry",
                new Secret("source-password"), List.of("public.orders"), SourceConfig.SnapshotMode.INITIAL);
        this.config = new PipelineConfig("shop", source, new KafkaConfig(null, "shop", Map.of(), "/tmp/none"),
                SinkConfig.none(), http, 1L << 30, List.of(), List.of());
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
    }

    @Override
    public void restart() {
        restarts++;
    }

    @Override
    public void onAppliedBatch(Applier.BatchListener l) {
        listener = l;
    }
}
