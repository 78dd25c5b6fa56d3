package io.ferry.cli;

import io.ferry.core.FerryException;
import io.ferry.core.Source;
import io.ferry.core.SourceStatus;
import io.ferry.core.TableId;
import io.ferry.core.config.PipelineConfig;
import io.ferry.core.config.PipelineConfigParser;
import io.ferry.core.connector.Connector;
import io.ferry.core.connector.Connectors;
import io.ferry.core.config.SinkConfig;
import io.ferry.core.config.SourceConfig;
import io.ferry.core.health.Part;
import io.ferry.core.health.PartState;
import io.ferry.core.health.PipelineHealth;
import io.ferry.kafka.Applier;
import io.ferry.kafka.CaptureLease;
import io.ferry.kafka.EmbeddedKafka;
import io.ferry.kafka.KafkaPreflight;
import io.ferry.kafka.TopicNames;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one pipeline in this process: the embedded broker when no cluster is configured, the capture loop,
 * and the apply loop when there is a sink, until {@link #stop()} or a fatal failure. Before anything starts it
 * checks every part (source, Kafka, sink), retrying one out of reach until the startup timeout. While it runs,
 * {@link #health()} says which part is down and since when. Used by {@code ferry run}, {@code ferry demo} and the
 * benchmarks; counters are safe to read from any thread.
 */
public final class PipelineRunner implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PipelineRunner.class);

    private final PipelineConfig config;
    private final Duration startupTimeout;
    /** The pipeline file, read again for its {@code source.tables} on a snapshot request; null when there is none. */
    private final Path file;
    private final Role role;
    private final int appliers;
    /** The static member name of this process's appliers in the consumer group, or null for dynamic members. */
    private final String instance;
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final CountDownLatch anyEnded = new CountDownLatch(1);
    private final PipelineHealth health;
    /** Whether the last look at Kafka's bootstrap servers found none answering (and marked Kafka down). */
    private boolean kafkaProbeDown;
    private KafkaPreflight kafkaProbe;
    private EmbeddedKafka embedded;
    /** Held while this process is the one of several {@code --role capture} processes that reads the source. */
    private CaptureLease lease;
    // Volatile: replaced by unhalt() while API threads read it.
    private volatile Source source;
    // Volatile: a SIGTERM's stop() may run on another thread while start() is still creating them.
    private volatile CaptureLoop capture;
    private volatile ApplyLoop apply;
    private volatile boolean stopRequested;
    private volatile String bootstrapServers;
    private volatile Applier.BatchListener batchListener;
    /** Stopped through the API (KIP-875's stop): both halves ended, the source closed; the process and API stay. */
    private volatile boolean halted;
    private final Object lifecycle = new Object();
    private Connector sourceConnector;
    /** What halves ended by {@link #halt()} counted, so that counters keep growing across a stop and a start;
     * written only by {@link #unhalt()}. */
    private volatile long capturedBefore;
    private volatile long transactionsBefore;
    private volatile long appliedBefore;
    private volatile long deadLetteredBefore;

    public PipelineRunner(PipelineConfig config, Duration startupTimeout) {
        this(config, startupTimeout, null);
    }

    /** With the file {@code config} was read from: a snapshot request reads its {@code source.tables} again. */
    public PipelineRunner(PipelineConfig config, Duration startupTimeout, Path file) {
        this(config, startupTimeout, file, Role.ALL, null);
    }

    /**
     * Runs only the halves of {@code role}; {@code instance} names this process's applier in the consumer group
     * (null: the pipeline's own name for {@link Role#ALL}, a dynamic member for {@link Role#APPLY}).
     */
    public PipelineRunner(PipelineConfig config, Duration startupTimeout, Path file, Role role, String instance) {
        this(config, startupTimeout, file, role, instance, 1);
    }

    /**
     * With {@code appliers} appliers in this process, each with its own target connection and share of the
     * partitions; a sink that cannot apply partitions concurrently gets one, with a warning.
     */
    public PipelineRunner(PipelineConfig config, Duration startupTimeout, Path file, Role role, String instance,
                          int appliers) {
        if (appliers < 1) {
            throw new FerryException("--appliers must be at least 1, was " + appliers);
        }
        if (role != Role.ALL && config.kafka().embedded()) {
            throw new FerryException("--role " + role.label() + " needs a Kafka cluster shared by the processes:"
                    + " set kafka.bootstrap-servers");
        }
        if (role == Role.APPLY && config.sink().isNone()) {
            throw new FerryException("--role apply needs a sink: the pipeline file has no sink section");
        }
        this.role = role;
        this.appliers = appliers;
        this.instance = instance != null ? config.consumerGroup() + "-" + instance
                : role == Role.ALL ? config.consumerGroup() : null;
        this.config = config;
        this.startupTimeout = startupTimeout;
        this.file = file;
        Map<Part, String> where = new EnumMap<>(Part.class);
        SourceConfig src = config.source();
        where.put(Part.SOURCE, src.type() + " at " + src.host() + ":" + src.port() + "/" + src.database());
        where.put(Part.KAFKA, config.kafka().embedded() ? "the embedded broker" : config.kafka().bootstrapServers());
        if (!config.sink().isNone()) {
            SinkConfig sink = config.sink();
            String port = sink.port() == 0 ? "" : ":" + sink.port();
            where.put(Part.SINK, sink.type() + " at " + (sink.host() == null ? "localhost" : sink.host()) + port
                    + (sink.database() == null ? "" : "/" + sink.database()));
        }
        this.health = new PipelineHealth(Clock.systemUTC(), where);
    }

    /** Each part's state (up, or down since when and why) and the pipeline's; safe from any thread. */
    public PipelineHealth health() {
        return health;
    }

    /**
     * Checks every part and starts both halves; throws the first part's failure when it cannot (retriable
     * failures are retried until the startup timeout). Parts are checked in the order source, Kafka, sink; the
     * embedded broker starts last, after the checks that need no broker.
     */
    public void start() {
        // The source is checked first: a wrong password should not wait for a broker to start.
        Connector connector = Connectors.installed().get(config.source().type());
        sourceConnector = connector;
        if (role.captures()) {
            source = connector.source(config);
            preflight(Part.SOURCE, source::prepare);
            TransformStage.check(config, connector);
        }
        bootstrapServers = config.kafka().bootstrapServers();
        if (!config.kafka().embedded()) {
            String prefix = config.kafka().topicPrefix();
            kafkaProbe = new KafkaPreflight(bootstrapServers, config.kafka().properties(), Duration.ofSeconds(1));
            // Long enough for a loaded broker to answer, short enough to say soon that it does not.
            KafkaPreflight kafka = new KafkaPreflight(bootstrapServers, config.kafka().properties(),
                    Duration.ofSeconds(10));
            preflight(Part.KAFKA, () -> kafka.check(List.of(TopicNames.offsets(prefix), TopicNames.schemas(prefix))));
        }
        if (!config.sink().isNone() && role.applies()) {
            Connector sinkConnector = Connectors.installed().get(config.sink().type());
            preflight(Part.SINK, () -> sinkConnector.preflightSink(config.sink()));
        }
        if (config.kafka().embedded()) {
            embedded = EmbeddedKafka.start(Path.of(config.kafka().dataDir()));
            bootstrapServers = embedded.bootstrapServers();
            health.up(Part.KAFKA);
            log.info("embedded Kafka broker at {} (data in {})", bootstrapServers, config.kafka().dataDir());
        }
        if (role == Role.CAPTURE) {
            lease = new CaptureLease(bootstrapServers, config.kafka().properties(), config.captureGroup(),
                    TopicNames.offsets(config.kafka().topicPrefix()));
        }
        if (role.captures()) {
            capture = new CaptureLoop(config, bootstrapServers, source, connector.envelopeName(), health, lease);
            capture.onTopicCreated(this::topicCreated);
        }
        if (!config.sink().isNone() && role.applies()) {
            apply = new ApplyLoop(config, bootstrapServers, health, instance, appliersFor(config));
            if (batchListener != null) {
                apply.onCommitted(batchListener);
            }
        }
        if (stopRequested) {
            // Stopped while starting: nothing ran, so there is nothing to finish.
            anyEnded.countDown();
            return;
        }
        if (capture != null) {
            start(capture, "ferry-capture");
        }
        if (apply != null) {
            start(apply, "ferry-apply");
        }
    }

    private int appliersFor(PipelineConfig c) {
        if (appliers > 1 && !Connectors.installed().get(c.sink().type()).sinkAppliesPartitionsConcurrently()) {
            log.warn("a {} sink applies with one applier per process: --appliers {} is ignored", c.sink().type(),
                    appliers);
            return 1;
        }
        return appliers;
    }

    /** What this process runs of the pipeline. */
    public Role role() {
        return role;
    }

    /** The table partitions this process applies now, as {@code topic-partition}; empty without apply. */
    public List<String> appliedPartitions() {
        ApplyLoop a = apply;
        return a == null ? List.of() : a.assignedPartitions();
    }

    private void start(SupervisedLoop loop, String name) {
        Thread t = new Thread(() -> {
            try {
                loop.run();
            } finally {
                // A half ended by halt() was asked to; the pipeline goes on, stopped, until resumed.
                if (!halted || loop.failure() != null) {
                    anyEnded.countDown();
                }
            }
        }, name);
        threads.add(t);
        t.start();
    }

    /**
     * Prints a status line every interval until a half ends; returns the failure that ended it, or null when it
     * ended because {@link #stop()} was called. A half that ends on its own without an error is a failure too:
     * nobody asked it to stop.
     */
    RuntimeException awaitEnd(Duration interval, PrintStream out) throws InterruptedException {
        long lastEvents = 0;
        long lastNanos = System.nanoTime();
        while (!anyEnded.await(interval.toMillis(), TimeUnit.MILLISECONDS)) {
            probeKafka();
            long events = role.captures() ? captured() : applied();
            long now = System.nanoTime();
            double rate = Math.max(0, events - lastEvents) / ((now - lastNanos) / 1e9);
            lastEvents = events;
            lastNanos = now;
            out.println(status(rate).format(System.currentTimeMillis() * 1000));
        }
        RuntimeException failure = failure();
        if (failure == null && !stopRequested) {
            failure = new FerryException((capture != null && capture.state().equals("stopped") ? "capture" : "apply")
                    + " stopped although nobody asked it to");
        }
        if (failure != null) {
            health.failed(failure.getMessage());
        } else {
            health.stopped();
        }
        stop();
        return failure;
    }

    /**
     * A loop blocked in a Kafka call learns only after the call's timeout that the cluster is gone; a connection
     * attempt to the bootstrap servers says it at once. Only what this probe marked down, it marks up again.
     */
    private void probeKafka() {
        if (kafkaProbe == null) {
            return;
        }
        Optional<String> unreachable = kafkaProbe.unreachable();
        if (unreachable.isPresent()) {
            health.down(Part.KAFKA, unreachable.get(), null);
            kafkaProbeDown = true;
        } else if (kafkaProbeDown) {
            health.up(Part.KAFKA);
            kafkaProbeDown = false;
        }
    }

    StatusLine status(double eventsPerSecond) {
        SourceStatus s = source == null ? null : source.status();
        long newest = apply != null ? apply.lastAppliedCommitMicros() : s.lastCommitMicros();
        List<String> down = new ArrayList<>();
        boolean captureWaits = false;
        boolean applyWaits = false;
        for (PartState p : health.down()) {
            down.add(p.describe(health.now()));
            captureWaits |= p.part() != Part.SINK;
            applyWaits |= p.part() != Part.SOURCE;
        }
        return new StatusLine(config.name(), capture == null ? Role.ELSEWHERE : shown(capture, captureWaits),
                apply == null ? (role.applies() ? null : Role.ELSEWHERE) : shown(apply, applyWaits), down,
                eventsPerSecond, captured(), applied(), newest, s,
                role == Role.APPLY ? appliedPartitions() : List.of());
    }

    /** A half's state as people should read it: never "running" while a part it needs is down. */
    private static String shown(SupervisedLoop loop, boolean waiting) {
        String state = loop.state();
        return waiting && !state.startsWith("failed") ? "waiting" : state.startsWith("retrying") ? "waiting" : state;
    }

    PipelineConfig config() {
        return config;
    }

    /** Capture created a table's topic: this process's appliers subscribe to it now, not at a metadata refresh. */
    private void topicCreated() {
        ApplyLoop a = apply;
        if (a != null) {
            a.topicsAdded();
        }
    }

    /** Null until {@link #start()} has created them. */
    CaptureLoop captureLoop() {
        return capture;
    }

    ApplyLoop applyLoop() {
        return apply;
    }

    Source source() {
        return source;
    }

    /** Registers the listener of batches committed in the target; before {@link #start()}. */
    void onAppliedBatch(Applier.BatchListener l) {
        batchListener = l;
        ApplyLoop a = apply;
        if (a != null) {
            a.onCommitted(l);
        }
    }

    /**
     * Queues a copy of the named tables while streaming goes on; a table the pipeline file's {@code source.tables}
     * matches now (the file is read again) joins the capture without a restart. Returns the tables queued.
     */
    public List<TableId> requestSnapshot(List<String> tables) {
        Source s = source;
        if (!role.captures()) {
            throw new FerryException("this process runs --role apply: ask the pipeline's capture process");
        }
        if (s == null || capture == null) {
            throw FerryException.retriable("capture has not started yet; ask again once it runs", null);
        }
        if (halted) {
            // A stopped source is replaced on resume: what it queued now would be forgotten.
            throw new FerryException("the pipeline is stopped; resume it (PUT /pipelines/" + config.name()
                    + "/resume) and ask again");
        }
        List<String> sourceTables = file == null ? config.source().tables()
                : new PipelineConfigParser().parse(file).source().tables();
        return s.requestSnapshot(tables, sourceTables);
    }

    /** The Kafka cluster the pipeline runs through: the configured one, or the embedded broker's address. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Changes committed to the target since this runner started; 0 without a sink. */
    public long applied() {
        ApplyLoop a = apply;
        return appliedBefore + (a == null ? 0 : a.applied());
    }

    /** Changes committed to Kafka since this runner started. */
    public long captured() {
        CaptureLoop c = capture;
        return capturedBefore + (c == null ? 0 : c.eventsCommitted());
    }

    /** Kafka transactions committed by capture since this runner started. */
    long transactionsCommitted() {
        CaptureLoop c = capture;
        return transactionsBefore + (c == null ? 0 : c.transactionsCommitted());
    }

    /** Records sent to the dead-letter topic since this runner started. */
    long deadLettered() {
        ApplyLoop a = apply;
        return deadLetteredBefore + (a == null ? 0 : a.deadLettered());
    }

    /** Whether the pipeline is stopped through {@link #halt()}, its process and API up. */
    public boolean halted() {
        return halted;
    }

    /**
     * Kafka Connect's {@code PUT /connectors/{name}/stop} (KIP-875): both halves finish their batch and end, the
     * source connection (and its slot), the Kafka clients and the target connection are released; the process, the
     * embedded broker and the API stay. Offsets may then be changed; {@link #unhalt()} starts both halves again.
     * Returns when both halves have ended. Does nothing when already stopped or not started.
     */
    public void halt() {
        synchronized (lifecycle) {
            CaptureLoop c = capture;
            ApplyLoop a = apply;
            if (halted || stopRequested || (c == null && a == null)) {
                return;
            }
            halted = true;
            if (c != null) {
                c.stop();
            }
            if (a != null) {
                a.stop();
            }
            joinThreads();
            if (source != null) {
                source.close();
            }
            log.info("pipeline {} stopped through the API: capture and apply ended, connections released",
                    config.name());
        }
    }

    /** Starts both halves again after {@link #halt()}, from the positions stored in Kafka and the target. */
    public void unhalt() {
        synchronized (lifecycle) {
            if (!halted || stopRequested) {
                return;
            }
            if (capture != null) {
                source = sourceConnector.source(config);
                // The ended halves' counts move into the totals as the new halves replace them: counters never go
                // back.
                CaptureLoop c = new CaptureLoop(config, bootstrapServers, source, sourceConnector.envelopeName(),
                        health, lease);
                c.onTopicCreated(this::topicCreated);
                capturedBefore += capture.eventsCommitted();
                transactionsBefore += capture.transactionsCommitted();
                capture = c;
            }
            if (apply != null) {
                ApplyLoop a = new ApplyLoop(config, bootstrapServers, health, instance, appliersFor(config));
                if (batchListener != null) {
                    a.onCommitted(batchListener);
                }
                appliedBefore += apply.applied();
                deadLetteredBefore += apply.deadLettered();
                apply = a;
            }
            halted = false;
            if (capture != null) {
                start(capture, "ferry-capture");
            }
            if (apply != null) {
                start(apply, "ferry-apply");
            }
            log.info("pipeline {} started again through the API", config.name());
        }
    }

    private void joinThreads() {
        for (Thread t : threads) {
            try {
                t.join(Duration.ofSeconds(30).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        threads.removeIf(t -> !t.isAlive());
    }

    /** Seconds between now and the source commit of the newest change that reached the end of the pipeline. */
    public double lagSeconds() {
        long newest = apply != null ? apply.lastAppliedCommitMicros()
                : source == null ? 0 : source.status().lastCommitMicros();
        return newest == 0 ? 0 : Math.max(0, System.currentTimeMillis() * 1000 - newest) / 1e6;
    }

    /** The fatal error of either half, or null while both run or stopped cleanly. */
    public String failureMessage() {
        RuntimeException f = failure();
        return f == null ? null : f.getMessage();
    }

    private RuntimeException failure() {
        RuntimeException c = capture == null ? null : capture.failure();
        return c != null ? c : apply == null ? null : apply.failure();
    }

    /** Asks both halves to finish their current batch and stop; {@link #close()} waits for them. */
    public void stop() {
        stopRequested = true;
        if (halted) {
            anyEnded.countDown(); // nothing runs that would end
        }
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
        joinThreads();
        if (source != null && !halted) {
            source.close();
        }
        if (lease != null) {
            lease.close();
        }
        if (embedded != null) {
            embedded.close();
        }
    }

    /** Runs one part's check, retrying while it is out of reach until the startup timeout. */
    private void preflight(Part part, Runnable check) {
        Backoff backoff = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(8));
        long deadline = System.nanoTime() + startupTimeout.toNanos();
        while (true) {
            try {
                check.run();
                health.up(part);
                return;
            } catch (FerryException e) {
                Duration wait = backoff.next();
                if (!e.retriable() || System.nanoTime() + wait.toNanos() > deadline || stopRequested) {
                    health.failed(e.getMessage());
                    throw e;
                }
                health.down(part, e.getMessage(), health.now().plus(wait));
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
