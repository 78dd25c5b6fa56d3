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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Apply side of a pipeline: the pipeline's topics → the target, exactly once through the target's offsets. A
 * failure of the sink counts as the sink being down, any other as Kafka being down; the sink answering means both
 * are up (what it is given was just read from Kafka). With several appliers ({@code ferry run --appliers}) each has
 * its own sink connection and consumer in the pipeline's group, so Kafka gives each its share of the partitions; one
 * applier failing ends the attempt of all.
 */
final class ApplyLoop extends SupervisedLoop {

    private final PipelineConfig config;
    private final String bootstrapServers;
    private final String instance;
    private final int appliers;
    /** The appliers of the running attempt. */
    private final List<Applier> running = new CopyOnWriteArrayList<>();
    private volatile long appliedBefore;
    /** The last failure that came out of the sink, to tell a sink failure from a Kafka one. */
    private volatile RuntimeException sinkFailure;
    private volatile long deadLetteredBefore;
    private volatile Applier.BatchListener listener = (events, millis) -> { };
    /** Whether the applier is retrying a batch in place: the loop's state then says so, until the target answers. */
    private volatile boolean sinkWaiting;

    /** {@code instance}: the appliers' static member name in the consumer group, or null for a dynamic member. */
    ApplyLoop(PipelineConfig config, String bootstrapServers, PipelineHealth health, String instance) {
        this(config, bootstrapServers, health, instance, 1);
    }

    /** With {@code appliers} appliers sharing the partitions this process gets; 1 for a sink that cannot. */
    ApplyLoop(PipelineConfig config, String bootstrapServers, PipelineHealth health, String instance, int appliers) {
        super("apply", health);
        this.instance = instance;
        this.config = config;
        this.bootstrapServers = bootstrapServers;
        this.appliers = appliers;
    }

    /** A data topic was just created in this process: the running appliers look for it now. */
    void topicsAdded() {
        running.forEach(Applier::topicsAdded);
    }

    @Override
    protected void attempt() throws InterruptedException {
        if (appliers == 1) {
            applyWith(0);
            return;
        }
        java.util.concurrent.atomic.AtomicInteger threads = new java.util.concurrent.atomic.AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(appliers,
                r -> new Thread(r, "ferry-apply-" + threads.incrementAndGet()));
        ExecutorCompletionService<Void> done = new ExecutorCompletionService<>(pool);
        List<Future<Void>> all = new ArrayList<>();
        try {
            for (int i = 0; i < appliers; i++) {
                int index = i;
                all.add(done.submit(() -> {
                    applyWith(index);
                    return null;
                }));
            }
            // The first to end (a failure, or a stop) ends them all: the loop then retries or stops as one.
            Future<Void> first = done.take();
            interruptAttempt();
            RuntimeException failure = outcome(first);
            for (Future<Void> f : all) {
                RuntimeException other = outcome(f);
                failure = failure != null ? failure : other;
            }
            if (failure != null) {
                throw failure;
            }
        } finally {
            pool.shutdown();
        }
    }

    private static RuntimeException outcome(Future<Void> f) throws InterruptedException {
        try {
            f.get();
            return null;
        } catch (ExecutionException e) {
            return e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    /** Runs applier {@code index} until it is stopped or fails. */
    private void applyWith(int index) {
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
            String member = instance == null || index == 0 ? instance : instance + "-" + index;
            Applier a = new Applier(bootstrapServers, config.kafka().properties(), config.kafka().topicPrefix(),
                    config.consumerGroup(), member, sink, config.sink().onError());
            a.onSinkRetry((e, attempt, wait) -> {
                health.down(Part.SINK, e.getMessage(), health.now().plus(wait));
                retrying(attempt, wait, e.getMessage());
                sinkWaiting = true;
            });
            a.onCommitted(this::committed);
            running.add(a);
            if (stopping() || paused()) {
                running.remove(a);
                return; // stopped or paused while connecting: interruptAttempt() found no applier to stop
            }
            try {
                a.run();
            } finally {
                synchronized (running) {
                    appliedBefore += a.applied();
                    deadLetteredBefore += a.deadLettered();
                    running.remove(a);
                }
            }
        }
    }

    /** Appliers commit on their own threads; the listener sees one batch at a time. */
    private synchronized void committed(List<ChangeEvent> events, long committedMillis) {
        listener.committed(events, committedMillis);
    }

    @Override
    protected void interruptAttempt() {
        for (Applier a : running) {
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
        synchronized (running) {
            return appliedBefore + running.stream().mapToLong(Applier::applied).sum();
        }
    }

    /** The table partitions this process's appliers own now, as {@code topic-partition}. */
    List<String> assignedPartitions() {
        List<String> out = new ArrayList<>();
        for (Applier a : running) {
            a.assignedPartitions().forEach(tp -> out.add(tp.toString()));
        }
        return out;
    }

    /** Source commit time of the newest applied change, or 0. */
    long lastAppliedCommitMicros() {
        return running.stream().mapToLong(Applier::lastAppliedCommitMicros).max().orElse(0);
    }

    /** Records sent to the dead-letter topic since this process started. */
    long deadLettered() {
        synchronized (running) {
            return deadLetteredBefore + running.stream().mapToLong(Applier::deadLettered).sum();
        }
    }

    /** Told of every batch committed in the target, by this and every later applier. */
    void onCommitted(Applier.BatchListener l) {
        listener = l;
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
