package io.ferry.cli;

import io.ferry.core.ChangeEvent;
import io.ferry.core.ChangeHandler;
import io.ferry.core.FerryException;
import io.ferry.core.LoginRefusedException;
import io.ferry.core.Source;
import io.ferry.core.SourcePosition;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.config.PipelineConfig;
import io.ferry.core.health.Part;
import io.ferry.core.health.PipelineHealth;
import io.ferry.kafka.CaptureLease;
import io.ferry.kafka.TransactionalPublisher;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Capture side of a pipeline: source → transactional publisher. Per DESIGN.md a failed Kafka transaction is
 * never guessed about: each attempt opens a new publisher (which fences the old producer) and the source
 * resumes from what the offsets topic says was committed. A failure of the publisher counts as Kafka being down,
 * any other as the source being down; the source is up while it hands over changes or idles. A pause holds the
 * source still at its next transaction boundary, after committing everything before it; a source's stop cannot
 * be undone, so neither a pause nor a restart stops it.
 */
final class CaptureLoop extends SupervisedLoop {

    private final PipelineConfig config;
    private final String bootstrapServers;
    private final Source source;
    private final String connector;
    private final Object gate = new Object();
    /** The state while another capture process of the pipeline reads the source. */
    static final String STANDING_BY = "standing by: another process reads the source";
    private final CaptureLease lease;
    private volatile TransactionalPublisher publisher;
    /** The last failure that came out of the publisher, to tell a Kafka failure from a source one. */
    private volatile RuntimeException kafkaFailure;
    private volatile boolean restartRequested;
    private volatile long eventsBefore;
    private volatile long transactionsBefore;
    private volatile Runnable topicCreated = () -> { };

    CaptureLoop(PipelineConfig config, String bootstrapServers, Source source, String connector, PipelineHealth health) {
        this(config, bootstrapServers, source, connector, health, null);
    }

    /**
     * With {@code lease} (null: none), the source is read only while this process holds the pipeline's capture
     * lease; losing it ends the attempt, and the next one waits for the lease again.
     */
    CaptureLoop(PipelineConfig config, String bootstrapServers, Source source, String connector, PipelineHealth health,
                CaptureLease lease) {
        super("capture", health);
        this.lease = lease;
        if (lease != null) {
            lease.onLost(source::stop);
        }
        this.config = config;
        this.bootstrapServers = bootstrapServers;
        this.source = source;
        this.connector = connector;
    }

    @Override
    protected void attempt() throws InterruptedException {
        if (lease != null && !lease.held()) {
            state(STANDING_BY);
            while (!lease.awaitHeld(Duration.ofSeconds(1))) {
                if (stopping()) {
                    return;
                }
            }
            // The source as it is now: the process that read it until now may have added tables to the publication.
            source.prepare();
            state("running");
        }
        TransactionalPublisher.Settings settings = TransactionalPublisher.Settings.of(bootstrapServers,
                        config.kafka().properties(), config.kafka().topicPrefix(), config.name(), connector,
                        config.source().database())
                .withTransactionalId(config.transactionalId())
                .withTablePartitions(config.kafka().partitions());
        TransactionalPublisher opened;
        Map<String, Object> resume;
        try {
            opened = new TransactionalPublisher(settings, Clock.systemUTC(), source::acknowledge);
            opened.onTopicCreated(topicCreated);
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
            try {
                try {
                    // Observed right at the publisher: neither a requested restart (Gated) nor a failing expression
                    // (the transforms) is Kafka being down.
                    source.run(resume, new Gated(TransformStage.capture(config, new Observed(pub))));
                } catch (RuntimeException e) {
                    throw whileRunning(e);
                }
                if (stopping()) {
                    pub.flush();
                }
            } finally {
                TransactionalPublisher.Stats s = pub.stats();
                eventsBefore += s.eventsCommitted();
                transactionsBefore += s.transactionsCommitted();
                publisher = null;
            }
        }
    }

    /**
     * A refused source login is retried like a lost connection: preflight logged in, so a password rotated or a role
     * re-created while the pipeline runs comes back without a restart (the slot or binlog position is durable).
     */
    private RuntimeException whileRunning(RuntimeException e) {
        if (e == kafkaFailure) {
            return e;
        }
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof LoginRefusedException refused) {
                return refused.whileRunning();
            }
        }
        return e;
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

    @Override
    protected void onPause() {
        // Held at the next boundary by Gated: the source keeps its connection and resumes where it stood.
    }

    @Override
    protected void onResume() {
        synchronized (gate) {
            gate.notifyAll();
        }
    }

    /** Runs {@code r} each time capture created a table's topic (the appliers of this process look for it then). */
    void onTopicCreated(Runnable r) {
        this.topicCreated = r;
    }

    @Override
    void restart() {
        restartRequested = true;
        onResume();
    }

    /** Events committed to Kafka since this process started. */
    long eventsCommitted() {
        TransactionalPublisher p = publisher;
        return eventsBefore + (p == null ? 0 : p.stats().eventsCommitted());
    }

    /** Kafka transactions committed since this process started. */
    long transactionsCommitted() {
        TransactionalPublisher p = publisher;
        return transactionsBefore + (p == null ? 0 : p.stats().transactionsCommitted());
    }

    /** Milliseconds between the source commit of the newest change in Kafka and its Kafka commit; 0 before one. */
    long behindSourceMillis() {
        TransactionalPublisher p = publisher;
        TransactionalPublisher.Stats s = p == null ? null : p.stats();
        if (s == null || s.newestCommittedSourceMicros() == 0) {
            return 0;
        }
        return Math.max(0, s.lastCommitMillis() - s.newestCommittedSourceMicros() / 1000);
    }

    /** The publisher as the source sees it, holding still while paused and failing once on a restart. */
    private final class Gated implements ChangeHandler {
        private final ChangeHandler pub;

        Gated(ChangeHandler pub) {
            this.pub = pub;
        }

        @Override
        public Optional<TableSchema> published(TableId table) {
            return pub.published(table);
        }

        @Override
        public void schema(TableSchema schema) {
            checkRestart();
            pub.schema(schema);
        }

        @Override
        public void change(ChangeEvent event) {
            checkRestart();
            pub.change(event);
        }

        @Override
        public void boundary(SourcePosition position) {
            pub.boundary(position);
            holdWhilePaused();
        }

        @Override
        public void flush() {
            pub.flush();
        }

        @Override
        public void idle() {
            pub.idle();
            holdWhilePaused();
        }

        /** Between source transactions only: everything handed over is committed before the wait. */
        private void holdWhilePaused() {
            if (!paused() || stopping()) {
                checkRestart();
                return;
            }
            pub.flush();
            synchronized (gate) {
                while (paused() && !stopping() && !restartRequested) {
                    state("paused");
                    try {
                        gate.wait(200);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
            state("running");
            checkRestart();
        }

        private void checkRestart() {
            if (restartRequested) {
                restartRequested = false;
                throw FerryException.retriable("restart requested", null);
            }
        }
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
        public Optional<TableSchema> recordedSourceShape(TableId table) {
            return kafka.recordedSourceShape(table);
        }

        @Override
        public void recordSourceShape(TableSchema sourceShape) {
            try {
                kafka.recordSourceShape(sourceShape);
            } catch (RuntimeException e) {
                throw kafkaFailed(e);
            }
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
