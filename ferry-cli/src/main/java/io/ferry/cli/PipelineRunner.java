package io.ferry.cli;

import io.ferry.core.FerryException;
import io.ferry.core.Source;
import io.ferry.core.SourceStatus;
import io.ferry.core.config.PipelineConfig;
import io.ferry.kafka.EmbeddedKafka;
import io.ferry.kafka.TransactionalPublisher;
import io.ferry.postgres.PostgresSource;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one pipeline in this process: the embedded broker when no cluster is configured, the capture loop,
 * and the status line, until {@link #stop()}.
 */
final class PipelineRunner implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PipelineRunner.class);

    private final PipelineConfig config;
    private final PrintStream out;
    private final Duration statusInterval;
    private final Duration startupTimeout;
    private final CountDownLatch finished = new CountDownLatch(1);
    private EmbeddedKafka embedded;
    private Source source;
    private CaptureLoop capture;

    PipelineRunner(PipelineConfig config, PrintStream out, Duration statusInterval, Duration startupTimeout) {
        this.config = config;
        this.out = out;
        this.statusInterval = statusInterval;
        this.startupTimeout = startupTimeout;
    }

    /** Connects, checks the source and starts capture; throws a {@link FerryException} when it cannot. */
    void start() {
        // The source is checked first: a wrong password should not wait for a broker to start.
        source = createSource(config);
        prepareWithRetry(source);
        String bootstrap = config.kafka().bootstrapServers();
        if (config.kafka().embedded()) {
            embedded = EmbeddedKafka.start(Path.of(config.kafka().dataDir()));
            bootstrap = embedded.bootstrapServers();
            log.info("embedded Kafka broker at {} (data in {})", bootstrap, config.kafka().dataDir());
        }
        capture = new CaptureLoop(config, bootstrap, source, "postgresql");
        Thread t = new Thread(() -> {
            try {
                capture.run();
            } finally {
                finished.countDown();
            }
        }, "ferry-capture");
        t.start();
    }

    /** Prints the status line every interval until the pipeline ends; returns the fatal error or null. */
    RuntimeException awaitAndReport() throws InterruptedException {
        long lastEvents = 0;
        long lastNanos = System.nanoTime();
        while (!finished.await(statusInterval.toMillis(), TimeUnit.MILLISECONDS)) {
            long events = eventsCommitted();
            long now = System.nanoTime();
            double rate = (events - lastEvents) / ((now - lastNanos) / 1e9);
            lastEvents = events;
            lastNanos = now;
            out.println(StatusLine.format(config.name(), capture.state(), sourceStatus(), rate, events,
                    System.currentTimeMillis() * 1000));
        }
        return capture.failure();
    }

    long eventsCommitted() {
        TransactionalPublisher p = capture == null ? null : capture.publisher();
        return p == null ? 0 : p.stats().eventsCommitted();
    }

    SourceStatus sourceStatus() {
        return source == null ? null : source.status();
    }

    void stop() {
        if (capture != null) {
            capture.stop();
        }
    }

    /** Waits until the capture loop has committed its last batch and returned. */
    boolean awaitStopped(Duration timeout) throws InterruptedException {
        return finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        if (capture != null) {
            stop();
            try {
                awaitStopped(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (source != null) {
            source.close();
        }
        if (embedded != null) {
            embedded.close();
        }
    }

    private void prepareWithRetry(Source s) {
        Backoff backoff = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(8));
        long deadline = System.nanoTime() + startupTimeout.toNanos();
        while (true) {
            try {
                s.prepare();
                return;
            } catch (FerryException e) {
                Duration wait = backoff.next();
                if (!e.retriable() || System.nanoTime() + wait.toNanos() > deadline) {
                    throw e;
                }
                log.warn("{}; retrying in {} ms", e.getMessage(), wait.toMillis());
                try {
                    Thread.sleep(wait.toMillis());
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private static Source createSource(PipelineConfig config) {
        if (config.source().type().equals("postgres")) {
            return new PostgresSource(config.source(), config.slotName());
        }
        throw new FerryException("source.type: '" + config.source().type() + "' is not supported");
    }
}
