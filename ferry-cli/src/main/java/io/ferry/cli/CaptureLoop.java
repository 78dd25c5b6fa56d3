package io.ferry.cli;

import io.ferry.core.FerryException;
import io.ferry.core.Source;
import io.ferry.core.config.PipelineConfig;
import io.ferry.kafka.TransactionalPublisher;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Capture side of a pipeline: source → transactional publisher, restarted from the offsets topic after any
 * retriable failure (a lost database or broker connection, an indefinite Kafka commit), with backoff.
 * Per DESIGN.md a failed Kafka transaction is never guessed about: the publisher is replaced, which fences
 * the old producer, and the source resumes from what the offsets topic says was committed.
 */
final class CaptureLoop implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(CaptureLoop.class);

    private final PipelineConfig config;
    private final String bootstrapServers;
    private final Source source;
    private final String connector;
    private final AtomicReference<String> state = new AtomicReference<>("starting");
    private final AtomicReference<TransactionalPublisher> publisher = new AtomicReference<>();
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private volatile boolean stopping;
    private volatile RuntimeException failure;

    CaptureLoop(PipelineConfig config, String bootstrapServers, Source source, String connector) {
        this.config = config;
        this.connector = connector;
        this.bootstrapServers = bootstrapServers;
        this.source = source;
    }

    @Override
    public void run() {
        Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30));
        while (!stopping) {
            TransactionalPublisher pub = null;
            try {
                state.set("connecting to Kafka");
                pub = openPublisher();
                publisher.set(pub);
                Map<String, Object> resume = pub.committedPosition();
                state.set("running");
                backoff.reset();
                source.run(resume, pub);
                if (stopping) {
                    pub.flush();
                }
            } catch (FerryException e) {
                if (!e.retriable() || stopping) {
                    failure = e;
                    state.set("failed");
                    break;
                }
                Duration wait = backoff.next();
                state.set("retrying in " + wait.toSeconds() + "s: " + e.getMessage());
                log.warn("{}; retrying in {} s", e.getMessage(), wait.toSeconds());
                sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } finally {
                if (pub != null) {
                    closeQuietly(pub);
                }
            }
        }
        if (failure == null) {
            state.set("stopped");
        }
    }

    private TransactionalPublisher openPublisher() {
        TransactionalPublisher.Settings settings = TransactionalPublisher.Settings.of(bootstrapServers,
                        config.kafka().properties(), config.kafka().topicPrefix(), config.name(), connector,
                        config.source().database())
                .withTransactionalId(config.transactionalId());
        return new TransactionalPublisher(settings, Clock.systemUTC(), source::acknowledge);
    }

    /** Asks the loop to finish: the source returns, the last batch is committed, the publisher closes. */
    void stop() {
        stopping = true;
        stopRequested.countDown();
        source.stop();
    }

    String state() {
        return state.get();
    }

    /** The fatal error that ended the loop, or null. */
    RuntimeException failure() {
        return failure;
    }

    TransactionalPublisher publisher() {
        return publisher.get();
    }

    /** Waits out a backoff, or less when stop() is called meanwhile. */
    private void sleep(Duration d) {
        try {
            stopRequested.await(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping = true;
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            log.debug("closing {} failed", c, e);
        }
    }
}
