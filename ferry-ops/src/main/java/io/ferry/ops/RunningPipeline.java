package io.ferry.ops;

import io.ferry.core.SourceStatus;
import io.ferry.core.TableId;
import io.ferry.core.config.PipelineConfig;
import io.ferry.core.health.PipelineHealth;
import io.ferry.kafka.Applier;
import java.util.List;

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

    /**
     * What this process runs: {@code all}, {@code capture} or {@code apply} ({@code ferry run --role}); a half it does
     * not run shows the state {@code elsewhere}.
     */
    default String role() {
        return "all";
    }

    /** The table partitions this process applies now, as {@code topic-partition}. */
    default List<String> appliedPartitions() {
        return List.of();
    }

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

    /** Resumes a paused pipeline, or starts both halves again after {@link #stop()}. */
    void resume();

    /**
     * Kafka Connect's stop (KIP-875): capture and apply finish their batch and end, releasing the source, Kafka and
     * target connections; the API stays up. Returns once both have ended.
     */
    void stop();

    /** Whether the pipeline is stopped through {@link #stop()}. */
    boolean stopped();

    /**
     * While stopped: removes what {@code ferry reset} removes (the source's slot, the pipeline's topics and group,
     * the target's offsets and schema rows, the rows of its target tables), so that resuming takes a new snapshot.
     * Returns one line per item removed.
     */
    List<String> resetOffsets();

    /** While stopped: sets the next offset the target applies of each named table partition. */
    void setAppliedOffsets(List<AppliedOffset> offsets);

    /** The next offset to apply of one table topic partition, as stored in the target. */
    record AppliedOffset(String topic, int partition, long offset) {
    }

    /** Both halves reconnect and read their positions again. */
    void restart();

    /**
     * Queues a copy of the named tables while streaming of the others goes on ({@link io.ferry.core.Source#requestSnapshot}),
     * with {@code source.tables} as the pipeline file says now; returns the tables queued. Throws a
     * {@link io.ferry.core.FerryException} naming a table that cannot be copied, retriable while capture is not up.
     */
    List<TableId> requestSnapshot(List<String> tables);

    /** Registers the listener of every batch the target commits (the latency histogram's input). */
    void onAppliedBatch(Applier.BatchListener listener);
}
