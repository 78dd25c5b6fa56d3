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

    ApplyLoop(PipelineConfig config, String bootstrapServers) {
        super("apply");
        this.config = config;
        this.bootstrapServers = bootstrapServers;
    }

    @Override
    protected void attempt() {
        Sink target = Connectors.installed().get(config.sink().type()).sink(config.sink());
        try (Sink sink = TransformStage.apply(config, target)) {
            Applier a = new Applier(bootstrapServers, config.kafka().properties(), config.kafka().topicPrefix(),
                    config.consumerGroup(), sink, config.sink().onError());
            applier = a;
            if (stopping()) {
                return;
            }
            try {
                a.run();
            } finally {
                appliedBefore += a.applied();
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
}
