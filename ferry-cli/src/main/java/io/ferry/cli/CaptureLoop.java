package io.ferry.cli;

import io.ferry.core.ChangeEvent;
import io.ferry.core.ChangeHandler;
import io.ferry.core.Source;
import io.ferry.core.SourcePosition;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.config.PipelineConfig;
import io.ferry.core.health.Part;
import io.ferry.core.health.PipelineHealth;
import io.ferry.kafka.TransactionalPublisher;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/**
 * Capture side of a pipeline: source → transactional publisher. Per DESIGN.md a failed Kafka transaction is
 * never guessed about: each attempt opens a new publisher (which fences the old producer) and the source
 * resumes from what the offsets topic says was committed. A failure of the publisher counts as Kafka being down,
 * any other as the source being down; the source is up while it hands over changes or idles.
 */
final class CaptureLoop extends SupervisedLoop {

    private final PipelineConfig config;
    private final String bootstrapServers;
    private final Source source;
    private final String connector;
    private volatile TransactionalPublisher publisher;
    /** The last failure that came out of the publisher, to tell a Kafka failure from a source one. */
    private volatile RuntimeException kafkaFailure;

    CaptureLoop(PipelineConfig config, String bootstrapServers, Source source, String connector, PipelineHealth health) {
        super("capture", health);
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
        TransactionalPublisher opened;
        Map<String, Object> resume;
        try {
            opened = new TransactionalPublisher(settings, Clock.systemUTC(), source::acknowledge);
        } catch (RuntimeException e) {
            kafkaFailure = e;
            throw e;
        }
        try (TransactionalPublisher pub = opened) {
            try {
                resume = pub.committedPosition();
            } catch (RuntimeException e) {
                kafkaFailure = e;
                throw e;
            }
            publisher = pub;
            health.up(Part.KAFKA);
            source.run(resume, new Observed(pub));
            if (stopping()) {
                pub.flush();
            }
        }
    }

    @Override
    protected void interruptAttempt() {
        source.stop();
    }

    @Override
    protected Part partOf(RuntimeException e) {
        RuntimeException k = kafkaFailure;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t == k) {
                return Part.KAFKA;
            }
        }
        return Part.SOURCE;
    }

    /** Events committed to Kafka by the current publisher. */
    long eventsCommitted() {
        TransactionalPublisher p = publisher;
        return p == null ? 0 : p.stats().eventsCommitted();
    }

    /** The publisher seen from the source: every call means the source works, every failure is Kafka's. */
    private final class Observed implements ChangeHandler {
        private final ChangeHandler kafka;

        Observed(ChangeHandler kafka) {
            this.kafka = kafka;
        }

        @Override
        public Optional<TableSchema> published(TableId table) {
            return kafka.published(table);
        }

        @Override
        public void schema(TableSchema schema) {
            health.up(Part.SOURCE);
            try {
                kafka.schema(schema);
            } catch (RuntimeException e) {
                throw kafkaFailed(e);
            }
        }

        @Override
        public void change(ChangeEvent event) {
            health.up(Part.SOURCE);
            try {
                kafka.change(event);
            } catch (RuntimeException e) {
                throw kafkaFailed(e);
            }
        }

        @Override
        public void boundary(SourcePosition position) {
            health.up(Part.SOURCE);
            try {
                kafka.boundary(position);
            } catch (RuntimeException e) {
                throw kafkaFailed(e);
            }
        }

        @Override
        public void flush() {
            try {
                kafka.flush();
            } catch (RuntimeException e) {
                throw kafkaFailed(e);
            }
            health.up(Part.KAFKA);
        }

        @Override
        public void idle() {
            health.up(Part.SOURCE);
            try {
                kafka.idle();
            } catch (RuntimeException e) {
                throw kafkaFailed(e);
            }
        }

        private RuntimeException kafkaFailed(RuntimeException e) {
            kafkaFailure = e;
            return e;
        }
    }
}
