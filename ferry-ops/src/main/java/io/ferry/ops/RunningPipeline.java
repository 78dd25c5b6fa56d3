package io.ferry.ops;

import io.ferry.core.SourceStatus;
import io.ferry.core.config.PipelineConfig;
import io.ferry.core.health.PipelineHealth;
import io.ferry.kafka.Applier;

/**
 * A pipeline running in this process, as the HTTP API, the metrics and the dashboard see and steer it. Every
 * method is safe to call from any thread and cheap: counters are read, never computed, so a scrape costs the
 * pipeline nothing.
 */
public interface RunningPipeline {

    PipelineConfig config();

    /** The Kafka cluster the pipeline runs through (the embedded broker's address when it has one). */
    String bootstrapServers();

    /** {@code running}, {@code paused}, {@code retrying (attempt 3 failed, next in 8 s): ...}, {@code failed: ...}, {@code stopped}. */
    String captureState();

    /** Like {@link #captureState()}; null when the pipeline has no sink. */
    String applyState();

    /** Changes committed to Kafka since this process started. */
    long eventsCaptured();

    /** Kafka transactions committed by capture since this process started. */
    long transactionsCommitted();

    /** Changes committed in the target since this process started. */
    long eventsApplied();

    /** Records sent to the dead-letter topic since this process started. */
    long deadLettered();

    /** Milliseconds between the newest captured change's source commit and its Kafka commit; 0 before one. */
    long captureBehindSourceMillis();

    /** The source's phase, position, newest commit time and snapshot progress. */
    SourceStatus source();

    /** Each part (source, Kafka, sink): up, or down since when, why, after how many failed attempts. */
    PipelineHealth health();

    /** The error that stopped capture or apply, or null. */
    String failure();

    boolean paused();

    /** Capture holds at its next transaction boundary, apply after its current batch; nothing is lost. */
    void pause();

    void resume();

    /** Both halves reconnect and read their positions again. */
    void restart();

    /** Registers the listener of every batch the target commits (the latency histogram's input). */
    void onAppliedBatch(Applier.BatchListener listener);
}
