package io.ferry.cli;

import io.ferry.core.ChangeEvent;
import io.ferry.core.LoginRefusedException;
import io.ferry.core.Sink;
import io.ferry.core.TableSchema;
import io.ferry.core.config.PipelineConfig;
import io.ferry.core.connector.Connectors;
import io.ferry.core.health.Part;
import io.ferry.core.health.PipelineHealth;
import io.ferry.core.schema.SchemaHistory;
import io.ferry.kafka.Applier;
import java.util.List;
import java.util.Map;

/**
 * Apply side of a pipeline: the pipeline's topics → the target, exactly once through the target's offsets. A
 * failure of the sink counts as the sink being down, any other as Kafka being down; the sink answering means both
 * are up (what it is given was just read from Kafka).
 */
final class ApplyLoop extends SupervisedLoop {

    private final PipelineConfig config;
    private final String bootstrapServers;
    private final String instance;
    private volatile Applier applier;
    private volatile long appliedBefore;
    /** The last failure that came out of the sink, to tell a sink failure from a Kafka one. */
    private volatile RuntimeException sinkFailure;
    private volatile long deadLetteredBefore;
    private volatile Applier.BatchListener listener = (events, millis) -> { };
    /** Whether the applier is retrying a batch in place: the loop's state then says so, until the target answers. */
    private volatile boolean sinkWaiting;

    /** {@code instance}: the appliers' static member name in the consumer group, or null for a dynamic member. */
    ApplyLoop(PipelineConfig config, String bootstrapServers, PipelineHealth health, String instance) {
        super("apply", health);
        this.instance = instance;
        this.config = config;
        this.bootstrapServers = bootstrapServers;
    }

    @Override
    protected void attempt() {
        Sink opened;
        try {
            opened = Connectors.installed().get(config.sink().type()).sink(config.sink());
        } catch (LoginRefusedException e) {
            throw sinkFailure = e.whileRunning();
        } catch (RuntimeException e) {
            sinkFailure = e;
            throw e;
        }
        // Transforms outside Observed: an expression that fails is not the target being down.
        try (Sink sink = TransformStage.apply(config, new Observed(opened))) {
            Applier a = new Applier(bootstrapServers, config.kafka().properties(), config.kafka().topicPrefix(),
                    config.consumerGroup(), instance, sink, config.sink().onError());
            a.onSinkRetry((e, attempt, wait) -> {
                health.down(Part.SINK, e.getMessage(), health.now().plus(wait));
                retrying(attempt, wait, e.getMessage());
                sinkWaiting = true;
            });
            a.onCommitted(listener);
            applier = a;
            if (stopping() || paused()) {
                return; // stopped or paused while connecting: interruptAttempt() found no applier to stop
            }
            try {
                a.run();
            } finally {
                appliedBefore += a.applied();
                deadLetteredBefore += a.deadLettered();
                applier = null;
            }
        }
    }

    @Override
    protected void interruptAttempt() {
        Applier a = applier;
        if (a != null) {
            a.stop();
        }
    }

    @Override
    protected Part partOf(RuntimeException e) {
        RuntimeException s = sinkFailure;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t == s) {
                return Part.SINK;
            }
        }
        return Part.KAFKA;
    }

    /** Changes applied to the target since this process started. */
    long applied() {
        Applier a = applier;
        return appliedBefore + (a == null ? 0 : a.applied());
    }

    /** The table partitions the applier owns now, as {@code topic-partition}. */
    List<String> assignedPartitions() {
        Applier a = applier;
        return a == null ? List.of() : a.assignedPartitions().stream().map(Object::toString).toList();
    }

    /** Source commit time of the newest applied change, or 0. */
    long lastAppliedCommitMicros() {
        Applier a = applier;
        return a == null ? 0 : a.lastAppliedCommitMicros();
    }

    /** Records sent to the dead-letter topic since this process started. */
    long deadLettered() {
        Applier a = applier;
        return deadLetteredBefore + (a == null ? 0 : a.deadLettered());
    }

    /** Told of every batch committed in the target, by this and every later applier. */
    void onCommitted(Applier.BatchListener l) {
        listener = l;
        Applier a = applier;
        if (a != null) {
            a.onCommitted(l);
        }
    }

    /** The sink seen from the applier: a call that returns means the target (and Kafka before it) works. */
    private final class Observed implements Sink {
        private final Sink target;

        Observed(Sink target) {
            this.target = target;
        }

        @Override
        public void ensureTable(TableSchema schema, SchemaHistory history) {
            try {
                target.ensureTable(schema, history);
            } catch (RuntimeException e) {
                throw sinkFailed(e);
            }
            answered();
        }

        @Override
        public Map<Integer, Long> storedOffsets(String topic) {
            Map<Integer, Long> stored;
            try {
                stored = target.storedOffsets(topic);
            } catch (RuntimeException e) {
                throw sinkFailed(e);
            }
            answered();
            return stored;
        }

        @Override
        public void apply(List<ChangeEvent> events, List<OffsetUpdate> offsets) {
            try {
                target.apply(events, offsets);
            } catch (PartitionLostException | RejectedChangeException e) {
                // The target answered: it refused one change, or another applier owns the partition.
                answered();
                throw e;
            } catch (RuntimeException e) {
                throw sinkFailed(e);
            }
            answered();
        }

        @Override
        public void close() {
            target.close();
        }

        private void answered() {
            health.up(Part.SINK);
            health.up(Part.KAFKA);
            if (sinkWaiting) {
                sinkWaiting = false;
                state("running");
            }
        }

        /**
         * Remembers the sink's failure. A refused login is retried like an unreachable target: this pipeline logged
         * in before (preflight did), so a password rotated or a database restored comes back without a restart.
         */
        private RuntimeException sinkFailed(RuntimeException e) {
            RuntimeException failure = e instanceof LoginRefusedException refused ? refused.whileRunning() : e;
            sinkFailure = failure;
            return failure;
        }
    }
}
