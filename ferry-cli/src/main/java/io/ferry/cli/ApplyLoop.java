package io.ferry.cli;

import io.ferry.core.Sink;
import io.ferry.core.connector.Connectors;
import io.ferry.core.config.PipelineConfig;
import io.ferry.kafka.Applier;

/** Apply side of a pipeline: the pipeline's topics → the target, exactly once through the target's offsets. */
final class ApplyLoop extends SupervisedLoop {

    private final PipelineConfig config;
    private final String bootstrapServers;
    private volatile Applier applier;
    private volatile long appliedBefore;
    private volatile long deadLetteredBefore;
    private volatile Applier.BatchListener listener = (events, millis) -> { };

    ApplyLoop(PipelineConfig config, String bootstrapServers) {
        super("apply");
        this.config = config;
        this.bootstrapServers = bootstrapServers;
    }

    @Override
    protected void attempt() {
        try (Sink sink = Connectors.installed().get(config.sink().type()).sink(config.sink())) {
            Applier a = new Applier(bootstrapServers, config.kafka().properties(), config.kafka().topicPrefix(),
                    config.consumerGroup(), sink, config.sink().onError());
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

    /** Changes applied to the target since this process started. */
    long applied() {
        Applier a = applier;
        return appliedBefore + (a == null ? 0 : a.applied());
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
}
