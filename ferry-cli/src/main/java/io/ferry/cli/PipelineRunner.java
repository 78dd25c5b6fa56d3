package io.ferry.cli;

import io.ferry.core.FerryException;
import io.ferry.core.Source;
import io.ferry.core.SourceStatus;
import io.ferry.core.config.PipelineConfig;
import io.ferry.core.connector.Connector;
import io.ferry.core.connector.Connectors;
import io.ferry.kafka.EmbeddedKafka;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one pipeline in this process: the embedded broker when no cluster is configured, the capture loop,
 * and the apply loop when there is a sink, until {@link #stop()} or a fatal failure. Used by {@code ferry run},
 * {@code ferry demo} and the benchmarks; counters are safe to read from any thread.
 */
public final class PipelineRunner implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PipelineRunner.class);

    private final PipelineConfig config;
    private final Duration startupTimeout;
    private final List<Thread> threads = new ArrayList<>();
    private final CountDownLatch anyEnded = new CountDownLatch(1);
    private EmbeddedKafka embedded;
    private Source source;
    // Volatile: a SIGTERM's stop() may run on another thread while start() is still creating them.
    private volatile CaptureLoop capture;
    private volatile ApplyLoop apply;
    private volatile boolean stopRequested;
    private String bootstrapServers;

    public PipelineRunner(PipelineConfig config, Duration startupTimeout) {
        this.config = config;
        this.startupTimeout = startupTimeout;
    }

    /** Checks the source, starts Kafka if embedded, and starts both halves; throws when it cannot. */
    public void start() {
        // The source is checked first: a wrong password should not wait for a broker to start.
        Connector connector = Connectors.installed().get(config.source().type());
        source = connector.source(config);
        prepareWithRetry(source);
        TransformStage.check(config, connector);
        bootstrapServers = config.kafka().bootstrapServers();
        if (config.kafka().embedded()) {
            embedded = EmbeddedKafka.start(Path.of(config.kafka().dataDir()));
            bootstrapServers = embedded.bootstrapServers();
            log.info("embedded Kafka broker at {} (data in {})", bootstrapServers, config.kafka().dataDir());
        }
        capture = new CaptureLoop(config, bootstrapServers, source, connector.envelopeName());
        if (!config.sink().isNone()) {
            apply = new ApplyLoop(config, bootstrapServers);
        }
        if (stopRequested) {
            // Stopped while starting: nothing ran, so there is nothing to finish.
            anyEnded.countDown();
            return;
        }
        start(capture, "ferry-capture");
        if (apply != null) {
            start(apply, "ferry-apply");
        }
    }

    private void start(Runnable loop, String name) {
        Thread t = new Thread(() -> {
            try {
                loop.run();
            } finally {
                anyEnded.countDown();
            }
        }, name);
        threads.add(t);
        t.start();
    }

    /** Calls {@code report} every interval until a half ends; returns the fatal error that ended it, or null. */
    RuntimeException awaitEnd(Duration interval, PrintStream out) throws InterruptedException {
        long lastEvents = 0;
        long lastNanos = System.nanoTime();
        while (!anyEnded.await(interval.toMillis(), TimeUnit.MILLISECONDS)) {
            long events = capture.eventsCommitted();
            long now = System.nanoTime();
            double rate = Math.max(0, events - lastEvents) / ((now - lastNanos) / 1e9);
            lastEvents = events;
            lastNanos = now;
            out.println(status(rate).format(System.currentTimeMillis() * 1000));
        }
        RuntimeException failure = failure();
        stop();
        return failure;
    }

    StatusLine status(double eventsPerSecond) {
        SourceStatus s = source.status();
        long newest = apply != null ? apply.lastAppliedCommitMicros() : s.lastCommitMicros();
        return new StatusLine(config.name(), capture.state(), apply == null ? null : apply.state(), eventsPerSecond,
                capture.eventsCommitted(), apply == null ? 0 : apply.applied(), newest, s);
    }

    /** The Kafka cluster the pipeline runs through: the configured one, or the embedded broker's address. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Changes committed to the target since this runner started; 0 without a sink. */
    public long applied() {
        return apply == null ? 0 : apply.applied();
    }

    /** Changes committed to Kafka by the current capture attempt. */
    public long captured() {
        return capture.eventsCommitted();
    }

    /** Seconds between now and the source commit of the newest change that reached the end of the pipeline. */
    public double lagSeconds() {
        long newest = apply != null ? apply.lastAppliedCommitMicros() : source.status().lastCommitMicros();
        return newest == 0 ? 0 : Math.max(0, System.currentTimeMillis() * 1000 - newest) / 1e6;
    }

    /** The fatal error of either half, or null while both run or stopped cleanly. */
    public String failureMessage() {
        RuntimeException f = failure();
        return f == null ? null : f.getMessage();
    }

    private RuntimeException failure() {
        return capture.failure() != null ? capture.failure() : apply == null ? null : apply.failure();
    }

    /** Asks both halves to finish their current batch and stop; {@link #close()} waits for them. */
    public void stop() {
        stopRequested = true;
        if (capture != null) {
            capture.stop();
        }
        if (apply != null) {
            apply.stop();
        }
    }

    @Override
    public void close() {
        stop();
        for (Thread t : threads) {
            try {
                t.join(Duration.ofSeconds(30).toMillis());
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
}
