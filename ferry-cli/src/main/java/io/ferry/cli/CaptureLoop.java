package io.ferry.cli;

import io.ferry.core.Source;
import io.ferry.core.config.PipelineConfig;
import io.ferry.kafka.TransactionalPublisher;
import java.time.Clock;

/**
 * Capture side of a pipeline: source → transactional publisher. Per DESIGN.md a failed Kafka transaction is
 * never guessed about: each attempt opens a new publisher (which fences the old producer) and the source
 * resumes from what the offsets topic says was committed.
 */
final class CaptureLoop extends SupervisedLoop {

    private final PipelineConfig config;
    private final String bootstrapServers;
    private final Source source;
    private final String connector;
    private volatile TransactionalPublisher publisher;

    CaptureLoop(PipelineConfig config, String bootstrapServers, Source source, String connector) {
        super("capture");
        this.config = config;
        this.bootstrapServers = bootstrapServers;
        this.source = source;
        this.connector = connector;
    }

    @Override
    protected void attempt() throws InterruptedException {
        TransactionalPublisher.Settings settings = TransactionalPublisher.Settings.of(bootstrapServers,
                        config.kafka().properties(), config.kafka().topicPrefix(), config.name(), connector,
                        config.source().database())
                .withTransactionalId(config.transactionalId());
        try (TransactionalPublisher pub = new TransactionalPublisher(settings, Clock.systemUTC(), source::acknowledge)) {
            publisher = pub;
            source.run(pub.committedPosition(), TransformStage.capture(config, pub));
            if (stopping()) {
                pub.flush();
            }
        }
    }

    @Override
    protected void interruptAttempt() {
        source.stop();
    }

    /** Events committed to Kafka by the current publisher. */
    long eventsCommitted() {
        TransactionalPublisher p = publisher;
        return p == null ? 0 : p.stats().eventsCommitted();
    }
}
