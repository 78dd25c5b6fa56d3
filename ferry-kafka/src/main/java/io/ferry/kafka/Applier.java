package io.ferry.kafka;

import io.ferry.core.ChangeEvent;
import io.ferry.core.FerryException;
import io.ferry.core.Sink;
import io.ferry.core.Sink.OffsetUpdate;
import io.ferry.core.Sink.PartitionLostException;
import io.ferry.core.Sink.RejectedChangeException;
import io.ferry.core.SourcePosition;
import io.ferry.core.TableSchema;
import io.ferry.core.schema.SchemaHistory;
import io.ferry.core.config.SinkConfig.OnError;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteBufferDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The apply side of a pipeline: consumes its table topics read_committed in a consumer group and applies
 * batches through a {@link Sink}, which commits the rows together with the next offsets in the target.
 * On start and on every rebalance it seeks to the offsets stored in the target, not to the group's
 * committed offsets (those are committed too, but only so that tools can show consumer lag).
 *
 * <p>Runs on the thread that calls {@link #run()}; {@link #stop()} may be called from any thread.
 */
public final class Applier implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(Applier.class);

    /**
     * Batch limits: thousands of rows per target transaction, but never sit on changes for long. A batch's records
     * and rows live until it commits, while the next one is polled and decoded: at 10,000 they outlived several young
     * collections during an initial load and were promoted, which cost more GC CPU than the whole applier
     * (bench/README, "Initial load: the apply side"). 4,000 keeps new rows above the sink's COPY threshold (2,000).
     */
    private static final int MAX_BATCH = 4_000;
    /** At most half a batch per poll, so a batch is rarely more than its limit plus one poll. */
    private static final int MAX_POLL_RECORDS = MAX_BATCH / 2;
    private static final long MAX_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final String bootstrapServers;
    private final Map<String, String> clientProperties;
    private final String prefix;
    private final String groupId;
    private final String instanceId;
    /** The partitions this applier owns, as of the last rebalance; read from any thread. */
    private volatile List<TopicPartition> assigned = List.of();
    private final Sink sink;
    private final OnError onError;
    private final EnvelopeReader reader = new EnvelopeReader();
    private final Map<TopicPartition, Long> expected = new HashMap<>();
    /** Schemas the sink was made ready for; touched by the writer thread only. */
    // By identity: events of one version share its instance (SchemaStore), and a record's hashCode would walk
    // every column once per event.
    private final Set<TableSchema> preparedSchemas = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Where batches end (poll thread only). */
    private final BatchCut cut = new BatchCut();
    private final DeadLetterTopic deadLetters;
    /** The schema of each topic's previous record; touched by the polling thread only. */
    private final Map<String, TableSchema> lastSchema = new HashMap<>();
    /** Writes batches to the target; the sink is used by this thread, or by the polling thread only while
     * no batch is in flight (rebalances wait for it). */
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> new Thread(r, "ferry-apply-writer"));
    private Future<Boolean> inFlight;
    private List<OffsetUpdate> inFlightOffsets = List.of();
    private final List<ConsumerRecord<byte[], ByteBuffer>> pending = new ArrayList<>();
    private final AtomicLong applied = new AtomicLong();
    private volatile long lastAppliedCommitMicros;
    private volatile String state = "starting";
    private volatile boolean stopping;
    private volatile boolean topicsAdded;
    private volatile SinkRetries sinkRetries = (e, attempts, wait) -> { };
    private volatile BatchListener listener = (events, millis) -> { };
    private KafkaConsumer<byte[], ByteBuffer> consumer;

    /**
     * Told each time the target is out of reach and the batch will be tried again after {@code wait};
     * {@code failedAttempts} counts the batch's failed attempts, from 1.
     */
    @FunctionalInterface
    public interface SinkRetries {
        void retrying(FerryException failure, int failedAttempts, Duration wait);
    }

    /** Told of each batch the target committed, on the applier's writer thread: it must return quickly. */
    public interface BatchListener {
        /** {@code events} are committed in the target since {@code committedMillis} (wall clock). */
        void committed(List<ChangeEvent> events, long committedMillis);
    }

    public Applier(String bootstrapServers, Map<String, String> clientProperties, String topicPrefix,
                   String groupId, Sink sink, OnError onError) {
        this(bootstrapServers, clientProperties, topicPrefix, groupId, groupId, sink, onError);
    }

    /**
     * An applier that shares the group's partitions with others: {@code instanceId} is its static member name (a
     * restart under the same name takes its partitions back at once, a second one under it fences the first), or
     * null for a dynamic member, whose partitions move to the others when it leaves or its session times out.
     */
    public Applier(String bootstrapServers, Map<String, String> clientProperties, String topicPrefix,
                   String groupId, String instanceId, Sink sink, OnError onError) {
        this.instanceId = instanceId;
        this.bootstrapServers = bootstrapServers;
        this.clientProperties = Map.copyOf(clientProperties);
        this.prefix = topicPrefix;
        this.groupId = groupId;
        this.sink = sink;
        this.onError = onError;
        this.deadLetters = new DeadLetterTopic(bootstrapServers, this.clientProperties, topicPrefix);
    }

    /**
     * Applies until {@link #stop()}. Throws a {@link FerryException} when a change cannot be applied and
     * {@code on-error} is {@code stop}, naming table, key, topic, partition, offset and reason.
     */
    @Override
    public void run() {
        try (SchemaStore schemas = new SchemaStore(bootstrapServers, clientProperties, TopicNames.schemas(prefix))) {
            // Values as the fetched buffers themselves: a byte[] copy of every envelope was a sixth of what the applier
            // allocated, and the reader parses the buffer's bytes in place. (A record of an uncompressed batch then
            // holds its fetch's buffer until its batch commits; compressed batches give each record its own.)
            consumer = new KafkaConsumer<>(consumerProperties(), new ByteArrayDeserializer(), new ByteBufferDeserializer());
            Rebalance rebalance = new Rebalance();
            consumer.subscribe(dataTopics(), rebalance);
            state = "applying";
            long batchStarted = 0;
            while (!stopping) {
                boolean caughtUp;
                try {
                    if (topicsAdded) {
                        topicsAdded = false;
                        // Subscribing again asks for metadata now: the new topic's partitions are assigned at once
                        // instead of at the next periodic refresh (metadata.max.age.ms), seconds into a snapshot.
                        consumer.subscribe(dataTopics(), rebalance);
                    }
                    ConsumerRecords<byte[], ByteBuffer> polled = consumer.poll(Duration.ofMillis(50));
                    caughtUp = polled.isEmpty() || atEnd();
                    for (ConsumerRecord<byte[], ByteBuffer> r : polled) {
                        if (pending.isEmpty()) {
                            batchStarted = System.nanoTime();
                        }
                        pending.add(r);
                    }
                } catch (WakeupException e) {
                    break;
                } catch (FencedInstanceIdException e) {
                    throw new FerryException("another Ferry applier of consumer group " + groupId + " has started as "
                            + instanceId + ": this one stops", e, false);
                }
                // Apply when the batch is full, old enough, or nothing more is coming: waiting then is only latency.
                if (!pending.isEmpty() && (caughtUp || pending.size() >= MAX_BATCH
                        || System.nanoTime() - batchStarted >= MAX_WAIT_NANOS)) {
                    applyPending(schemas);
                } else if (inFlight != null && inFlight.isDone()) {
                    finishInFlight();
                }
            }
            if (!pending.isEmpty()) {
                applyPending(schemas);
            }
            finishInFlight();
        } finally {
            state = "stopped";
            writer.shutdown();
            try {
                // The sink and the consumer are closed after the last batch has left the writer thread.
                writer.awaitTermination(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (consumer != null) {
                // A requested stop leaves the group, so that `ferry drop` finds it empty; a crash keeps the static
                // member's place until its session times out, and a restart takes it back at once.
                consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5))
                        .withGroupMembershipOperation(stopping
                                ? org.apache.kafka.clients.consumer.CloseOptions.GroupMembershipOperation.LEAVE_GROUP
                                : org.apache.kafka.clients.consumer.CloseOptions.GroupMembershipOperation.DEFAULT));
            }
            deadLetters.close();
        }
    }

    /** Whom to tell when a batch waits for the target; call before {@link #run()}. */
    public void onSinkRetry(SinkRetries listener) {
        this.sinkRetries = listener;
    }

    /** Replaces the listener of committed batches (none by default); call before {@link #run()}. */
    public void onCommitted(BatchListener l) {
        this.listener = l;
    }

    /**
     * Tells the applier a data topic of its pipeline was just created (by a capture in this process), so it looks for
     * new topics now rather than at the next metadata refresh. Any thread.
     */
    public void topicsAdded() {
        topicsAdded = true;
    }

    public void stop() {
        stopping = true;
        KafkaConsumer<byte[], ByteBuffer> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    /** Whether this poll read every assigned partition up to its end, as far as the consumer knows. */
    private boolean atEnd() {
        for (TopicPartition tp : consumer.assignment()) {
            OptionalLong lag = consumer.currentLag(tp);
            if (lag.isEmpty() || lag.getAsLong() > 0) {
                return false;
            }
        }
        return true;
    }

    /** Changes applied (committed in the target) since start. */
    public long applied() {
        return applied.get();
    }

    public long deadLettered() {
        return deadLetters.sent();
    }

    /** Source commit time of the newest applied change, microseconds since the epoch, or 0. */
    public long lastAppliedCommitMicros() {
        return lastAppliedCommitMicros;
    }

    /** The table partitions this applier owns now, sorted by topic and partition; empty before the first assignment. */
    public List<TopicPartition> assignedPartitions() {
        return assigned;
    }

    /** {@code applying}, {@code target unreachable ...}, {@code stopped}. */
    public String state() {
        return state;
    }

    /**
     * Hands the pending records to the writer thread as one batch. The next batch is polled and decoded here
     * while this one is in the target, so the database and the decoding work at the same time; batches still
     * commit one after the other, each chaining its expected offsets on the one before.
     */
    private void applyPending(SchemaStore schemas) {
        while (!pending.isEmpty()) {
            applyUpToNextSchema(schemas);
        }
    }

    /**
     * Takes pending records up to (not including) the first event of a schema version no earlier batch had, unless
     * it is the first: a new version's DDL then runs after every change before it and before every change after
     * it (a column made NOT NULL after the update that filled it).
     */
    private void applyUpToNextSchema(SchemaStore schemas) {
        List<ConsumerRecord<byte[], ByteBuffer>> records = new ArrayList<>(pending.size());
        List<ConsumerRecord<byte[], ByteBuffer>> sources = new ArrayList<>(pending.size());
        List<ChangeEvent> events = new ArrayList<>(pending.size());
        int taken = 0;
        for (ConsumerRecord<byte[], ByteBuffer> r : pending) {
            ChangeEvent e = decode(r, schemas);
            if (!cut.joins(e == null ? null : e.schema(), records.size())) {
                break;
            }
            taken++;
            records.add(r);
            if (e != null) {
                sources.add(r);
                events.add(e);
            }
        }
        pending.subList(0, taken).clear();
        // Offsets move past every record of the batch, dead-lettered ones included.
        List<OffsetUpdate> offsets = BatchCut.offsets(records, expected);
        if (!finishInFlight()) {
            return; // the batch before lost a partition: this one's expected offsets are void
        }
        for (OffsetUpdate u : offsets) {
            expected.put(new TopicPartition(u.topic(), u.partition()), u.newNext());
        }
        inFlightOffsets = offsets;
        SchemaHistory history = (table, version) ->
                Optional.ofNullable(schemas.find(TopicNames.table(prefix, table), version));
        inFlight = writer.submit(() -> write(sources, events, offsets, history));
    }

    /**
     * Waits for the batch in the target, if any. Returns false when it lost a partition, after re-seeking
     * every assigned partition to its stored offset; rethrows its fatal failure.
     */
    private boolean finishInFlight() {
        Future<Boolean> f = inFlight;
        if (f == null) {
            return true;
        }
        inFlight = null;
        boolean committed;
        try {
            committed = f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FerryException("interrupted while applying a batch", e, true);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
        if (!committed) {
            reseekAssigned();
            return false;
        }
        Map<TopicPartition, OffsetAndMetadata> group = new HashMap<>();
        for (OffsetUpdate u : inFlightOffsets) {
            group.put(new TopicPartition(u.topic(), u.partition()), new OffsetAndMetadata(u.newNext()));
        }
        // Only for lag monitoring: positions come from the target's ferry_offsets table.
        consumer.commitAsync(group, null);
        return true;
    }

    /** On the writer thread: applies one batch; false when a partition was lost meanwhile. */
    private boolean write(List<ConsumerRecord<byte[], ByteBuffer>> sources, List<ChangeEvent> events,
                          List<OffsetUpdate> offsets, SchemaHistory history) {
        for (ChangeEvent e : events) {
            if (preparedSchemas.add(e.schema())) {
                sink.ensureTable(e.schema(), history);
            }
        }
        long backoffMillis = 500;
        int failedAttempts = 0;
        while (true) {
            try {
                sink.apply(events, offsets);
                applied.addAndGet(events.size());
                if (!events.isEmpty()) {
                    lastAppliedCommitMicros = events.get(events.size() - 1).commitMicros();
                    listener.committed(events, System.currentTimeMillis());
                }
                state = "applying";
                return true;
            } catch (RejectedChangeException e) {
                ConsumerRecord<byte[], ByteBuffer> bad = sources.remove(e.index());
                ChangeEvent event = events.remove(e.index());
                reject(bad, describe(bad, event), e.getMessage(), e);
            } catch (PartitionLostException e) {
                log.info("a partition moved to another applier; re-reading stored offsets: {}", e.getMessage());
                return false;
            } catch (FerryException e) {
                if (!e.retriable() || stopping) {
                    throw e;
                }
                state = "target unreachable, retrying in " + backoffMillis + " ms: " + e.getMessage();
                log.warn("{}", state);
                sinkRetries.retrying(e, ++failedAttempts, Duration.ofMillis(backoffMillis));
                sleep(backoffMillis);
                backoffMillis = Math.min(backoffMillis * 2, 30_000);
            }
        }
    }

    /** The event of one record, or null when the record is poison and went to the dead-letter topic. */
    private ChangeEvent decode(ConsumerRecord<byte[], ByteBuffer> r, SchemaStore schemas) {
        try {
            TableSchema schema = lastSchema.get(r.topic());
            EnvelopeHeader known = EnvelopeHeader.of(r.headers());
            if (known != null) {
                if (schema == null || schema.version() != known.schemaVersion()) {
                    schema = schemas.schema(r.topic(), known.schemaVersion());
                    lastSchema.put(r.topic(), schema);
                }
                EnvelopeReader.Envelope env = reader.read(schema, r.value(), known);
                return new ChangeEvent(env.op(), schema, env.before(), env.after(),
                        new RecordPosition(r.topic(), r.partition(), r.offset()), -1, env.commitMicros());
            }
            EnvelopeReader.Envelope env = schema == null ? null : readAs(schema, r.value());
            if (env == null) {
                schema = schemas.schema(r.topic(), EnvelopeReader.schemaVersion(r.value()));
                env = reader.read(schema, r.value());
                lastSchema.put(r.topic(), schema);
            }
            return new ChangeEvent(env.op(), schema, env.before(), env.after(),
                    new RecordPosition(r.topic(), r.partition(), r.offset()), -1, env.commitMicros());
        } catch (FerryException e) {
            if (e.retriable()) {
                throw e;
            }
            reject(r, r.topic() + "-" + r.partition() + "@" + r.offset(), e.getMessage(), e);
            return null;
        }
    }

    /**
     * The envelope read with the topic's previous schema, or null when it was written with another version.
     * Schemas change rarely, so this reads each record once instead of peeking at its version first.
     */
    private EnvelopeReader.Envelope readAs(TableSchema schema, ByteBuffer value) {
        try {
            EnvelopeReader.Envelope env = reader.read(schema, value);
            return env.schemaVersion() == schema.version() ? env : null;
        } catch (FerryException e) {
            return null;
        }
    }

    private void reject(ConsumerRecord<byte[], ByteBuffer> r, String where, String reason, FerryException cause) {
        if (onError == OnError.STOP) {
            throw new FerryException("cannot apply " + where + ": " + reason, cause, false);
        }
        deadLetters.send(r, reason);
        log.warn("sent {} to {}: {}", where, deadLetters.topic(), reason);
    }

    private void reseekAssigned() {
        pending.clear();
        seekToStored(consumer.assignment());
    }

    private void seekToStored(Collection<TopicPartition> partitions) {
        Map<String, Map<Integer, Long>> stored = new HashMap<>();
        for (TopicPartition tp : partitions) {
            Long next = stored.computeIfAbsent(tp.topic(), sink::storedOffsets).get(tp.partition());
            if (next == null) {
                consumer.seekToBeginning(List.of(tp));
                expected.put(tp, -1L);
            } else {
                consumer.seek(tp, next);
                expected.put(tp, next);
            }
        }
    }

    private Properties consumerProperties() {
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        if (instanceId != null) {
            // Static membership: a restarted applier (after a crash, say) takes its partitions back at once,
            // instead of waiting out the dead member's session timeout; a second one fences the first.
            p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId);
        }
        // Appliers sharing the group keep the partitions they have across a rebalance: no batch stops for one
        // that did not move. Range stays second, so a member of an older Ferry still in the group agrees on one.
        p.putIfAbsent(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                org.apache.kafka.clients.consumer.CooperativeStickyAssignor.class.getName() + ","
                        + org.apache.kafka.clients.consumer.RangeAssignor.class.getName());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(MAX_POLL_RECORDS));
        // New tables become new topics while the pipeline runs: notice them within seconds (a capture in this process
        // says so at once, topicsAdded()). A cluster with very many topics may want longer: it can be set.
        p.putIfAbsent(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "3000");
        return p;
    }

    /** Every table topic of the pipeline; Ferry's own topics end in ferry-offsets, ferry-schemas, ferry-dlq. */
    private Pattern dataTopics() {
        return Pattern.compile(Pattern.quote(prefix + ".") + "(?!ferry-(offsets|schemas|dlq)$).+");
    }

    private static String describe(ConsumerRecord<byte[], ByteBuffer> r, ChangeEvent e) {
        String key = r.key() == null ? "(no key)" : new String(r.key(), StandardCharsets.UTF_8);
        return e.table() + " key " + key + " at " + r.topic() + "-" + r.partition() + "@" + r.offset();
    }

    private void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping = true;
        }
    }

    /** Seeks every newly assigned partition to the offset stored in the target. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            // The batch in the target may hold records of these partitions: let it commit while we own them.
            finishInFlight();
            pending.removeIf(r -> partitions.contains(new TopicPartition(r.topic(), r.partition())));
            partitions.forEach(expected::remove);
            noteAssignment();
        }


        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            finishInFlight();
            seekToStored(partitions);
            noteAssignment();
            if (!partitions.isEmpty()) {
                log.info("applying {} partition(s) more: {}", partitions.size(), partitions);
            }
        }

        private void noteAssignment() {
            List<TopicPartition> now = new ArrayList<>(consumer.assignment());
            now.sort(java.util.Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
            assigned = List.copyOf(now);
        }
    }

    /** Where an applied event came from, for error messages. */
    private record RecordPosition(String topic, int partition, long offset) implements SourcePosition {
        @Override
        public void describe(Fields out) {
            out.put("topic", topic);
            out.put("partition", partition);
            out.put("offset", offset);
        }
    }
}
