package io.ferry.kafka;

import io.ferry.core.ChangeEvent;
import io.ferry.core.ChangeHandler;
import io.ferry.core.FerryException;
import io.ferry.core.Operation;
import io.ferry.core.SourcePosition;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.config.TablePartitions;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The exactly-once path from a source into Kafka: events go to their tables' topics in Kafka transactions that
 * also carry the pipeline's newest source position (offsets topic) and any new schema version (schemas topic);
 * a source boundary is acknowledged only once the transaction holding it committed. Called on the source's
 * thread only, except {@link #stats()}. A failure closes the publisher: a retriable {@link FerryException}
 * means "open a new publisher and resume from {@link #committedPosition()}", a fatal one (fenced by another
 * instance, not authorized) means stop.
 */
public final class TransactionalPublisher implements ChangeHandler, AutoCloseable {

    /**
     * How a publisher connects and batches.
     *
     * @param clientProperties        added to every Kafka client (security.protocol, sasl.*, ssl.*, tuning)
     * @param transactionalId         fences other publishers of the same pipeline
     * @param connector               {@code source.connector} of the envelopes, e.g. {@code postgresql}
     * @param database                {@code source.db} of the envelopes
     * @param maxEventsPerTransaction commit once a transaction holds this many events
     * @param linger                  commit once the oldest uncommitted event is this old (on change or idle)
     * @param tablePartitions         partitions of table topics this publisher creates; an existing topic with fewer
     *                                is an error (adding partitions would move keys)
     * @param openTimeout             how long opening (and any blocking producer call) may wait for the cluster
     * @param heartbeat               how soon a position that came with no events (a source transaction on a table
     *                                not captured) is committed on its own, so that a restart resumes from it and
     *                                the offsets topic tells others how far capture got
     */
    public record Settings(String bootstrapServers, Map<String, String> clientProperties, String topicPrefix,
                           String pipeline, String transactionalId, String connector, String database,
                           int maxEventsPerTransaction, Duration linger, TablePartitions tablePartitions,
                           Duration openTimeout, Duration heartbeat) {

        public Settings {
            Objects.requireNonNull(bootstrapServers, "bootstrapServers");
            clientProperties = Map.copyOf(clientProperties);
            Objects.requireNonNull(topicPrefix, "topicPrefix");
            Objects.requireNonNull(pipeline, "pipeline");
            Objects.requireNonNull(transactionalId, "transactionalId");
            Objects.requireNonNull(connector, "connector");
            Objects.requireNonNull(database, "database");
            if (maxEventsPerTransaction < 1) {
                throw new IllegalArgumentException("maxEventsPerTransaction must be at least 1, was "
                        + maxEventsPerTransaction);
            }
            if (linger.isNegative()) {
                throw new IllegalArgumentException("linger must not be negative, was " + linger);
            }
            Objects.requireNonNull(tablePartitions, "tablePartitions");
            if (openTimeout.isNegative() || openTimeout.isZero()) {
                throw new IllegalArgumentException("openTimeout must be positive, was " + openTimeout);
            }
            if (heartbeat.isNegative() || heartbeat.isZero()) {
                throw new IllegalArgumentException("heartbeat must be positive, was " + heartbeat);
            }
        }

        /**
         * Defaults: transactional id {@code ferry-<pipeline>}, 20,000 events or 100 ms per transaction, one
         * partition per table topic, 30 s open timeout, 1 s heartbeat.
         */
        public static Settings of(String bootstrapServers, Map<String, String> clientProperties, String topicPrefix,
                                  String pipeline, String connector, String database) {
            return new Settings(bootstrapServers, clientProperties, topicPrefix, pipeline, "ferry-" + pipeline,
                    connector, database, 20_000, Duration.ofMillis(100), TablePartitions.ONE, Duration.ofSeconds(30),
                    Duration.ofSeconds(1));
        }

        public Settings withBatching(int maxEvents, Duration newLinger) {
            return new Settings(bootstrapServers, clientProperties, topicPrefix, pipeline, transactionalId, connector,
                    database, maxEvents, newLinger, tablePartitions, openTimeout, heartbeat);
        }

        public Settings withTransactionalId(String id) {
            return new Settings(bootstrapServers, clientProperties, topicPrefix, pipeline, id, connector, database,
                    maxEventsPerTransaction, linger, tablePartitions, openTimeout, heartbeat);
        }

        public Settings withTablePartitions(int partitions) {
            return withTablePartitions(TablePartitions.of(partitions));
        }

        public Settings withTablePartitions(TablePartitions partitions) {
            return new Settings(bootstrapServers, clientProperties, topicPrefix, pipeline, transactionalId, connector,
                    database, maxEventsPerTransaction, linger, partitions, openTimeout, heartbeat);
        }

        public Settings withOpenTimeout(Duration timeout) {
            return new Settings(bootstrapServers, clientProperties, topicPrefix, pipeline, transactionalId, connector,
                    database, maxEventsPerTransaction, linger, tablePartitions, timeout, heartbeat);
        }

        public Settings withHeartbeat(Duration interval) {
            return new Settings(bootstrapServers, clientProperties, topicPrefix, pipeline, transactionalId, connector,
                    database, maxEventsPerTransaction, linger, tablePartitions, openTimeout, interval);
        }
    }

    /**
     * Counters for status, consistent per field, readable from any thread.
     *
     * @param lastCommitMillis            wall-clock time of the newest commit, or 0
     * @param newestCommittedSourceMicros source commit time of the newest committed event, or 0
     */
    public record Stats(long eventsCommitted, long transactionsCommitted, long lastCommitMillis,
                        long newestCommittedSourceMicros) {
    }

    private static final long IDLE_LINGER_MILLIS = 10;

    private final Settings settings;
    private final Clock clock;
    private final Consumer<SourcePosition> acknowledge;
    private final String offsetsTopic;
    private final String schemasTopic;
    private final SourcePositions sourcePositions;
    private final EnvelopeWriter writer;
    private final Map<TableId, TableState> tables = new HashMap<>();
    private final Map<TableId, TableSchema> sourceShapes = new HashMap<>();
    private volatile Runnable topicCreated = () -> { };
    private final Set<TableId> ensuredThisRun = new HashSet<>();
    private final AtomicReference<Exception> sendFailure = new AtomicReference<>();
    private final Callback onSent = this::onSent;
    private final Map<String, Object> committedPosition;
    private final TopicAdmin admin;
    private KafkaProducer<byte[], byte[]> producer;

    private boolean transactionOpen;
    private long transactionStartMillis;
    private int pendingEvents;
    private long pendingMaxCommitMicros;
    private SourcePosition newestPosition;
    private boolean positionUncommitted;
    private SourcePosition pendingBoundary;
    private FerryException failure;

    private volatile long eventsCommitted;
    private volatile long transactionsCommitted;
    private volatile long lastCommitMillis;
    private volatile long newestCommittedSourceMicros;

    /**
     * Opens the publisher: takes over the transactional id (fencing an older holder and aborting its open
     * transaction), ensures the offsets and schemas topics, then reads the committed position and the newest
     * schema version of every table. {@code acknowledge} receives each boundary once it is committed.
     */
    public TransactionalPublisher(Settings settings, Clock clock, Consumer<SourcePosition> acknowledge) {
        this.settings = settings;
        this.clock = clock;
        this.acknowledge = acknowledge;
        this.offsetsTopic = TopicNames.offsets(settings.topicPrefix());
        this.schemasTopic = TopicNames.schemas(settings.topicPrefix());
        this.sourcePositions = new SourcePositions(settings.bootstrapServers(), settings.clientProperties(), offsetsTopic);
        this.writer = new EnvelopeWriter(settings.connector(), settings.pipeline(), settings.database());
        TopicAdmin topicAdmin = null;
        try {
            this.producer = new KafkaProducer<>(producerConfig(settings), new ByteArraySerializer(),
                    new ByteArraySerializer());
            // First: fencing a zombie aborts its open transaction; otherwise read_committed reads below stall at it.
            producer.initTransactions();
            topicAdmin = new TopicAdmin(settings.bootstrapServers(), settings.clientProperties());
            topicAdmin.ensureTopic(offsetsTopic, 1, true);
            topicAdmin.ensureTopic(schemasTopic, 1, true);
            this.committedPosition = sourcePositions.read(settings.pipeline());
            CommittedLog.read(settings.bootstrapServers(), settings.clientProperties(), schemasTopic,
                    settings.openTimeout(), (k, v) -> remember(SchemaCodec.read(v)));
        } catch (RuntimeException e) {
            if (topicAdmin != null) {
                topicAdmin.close();
            }
            throw failOpen(e);
        }
        this.admin = topicAdmin;
    }

    /** Runs {@code r}, on the publisher's thread, each time it created a table's topic. */
    public void onTopicCreated(Runnable r) {
        this.topicCreated = r;
    }

    /** The newest position this pipeline committed, as its source described it; empty on a fresh start. */
    public Map<String, Object> committedPosition() {
        return committedPosition;
    }

    @Override
    public Optional<TableSchema> published(TableId table) {
        TableState state = tables.get(table);
        return state == null ? Optional.empty() : Optional.of(state.durable);
    }

    @Override
    public Optional<TableSchema> recordedSourceShape(TableId table) {
        return Optional.ofNullable(sourceShapes.get(table));
    }

    /** Writes the source shape in the open transaction unless the newest recorded one has the same shape. */
    @Override
    public void recordSourceShape(TableSchema sourceShape) {
        ensureUsable();
        TableSchema old = sourceShapes.get(sourceShape.table());
        if (old != null && old.sameShapeAs(sourceShape)) {
            return;
        }
        sourceShapes.put(sourceShape.table(), sourceShape);
        send(new ProducerRecord<>(schemasTopic, 0, SchemaCodec.sourceShapeKey(sourceShape.table()),
                SchemaCodec.writeSourceShape(sourceShape)));
    }

    /** Publishes a new durable version of the table's schema unless the newest one has the same shape. */
    @Override
    public void schema(TableSchema schema) {
        ensureUsable();
        TableState state = tables.get(schema.table());
        if (!ensuredThisRun.contains(schema.table())) {
            String topic = state != null ? state.topic : TopicNames.table(settings.topicPrefix(), schema.table());
            int wanted = settings.tablePartitions().forTable(schema.table());
            int[] found = {wanted};
            guard(() -> {
                if (admin.ensureTopic(topic, wanted, false)) {
                    topicCreated.run();
                } else {
                    found[0] = admin.partitionCount(topic);
                }
            });
            if (found[0] < wanted) {
                // Kafka can add partitions, but a key would then hash to another one than its earlier changes:
                // per-key order would break for every key that moved. That is the operator's call, not ours.
                throw fail(new FerryException("topic " + topic + " has " + found[0] + " partition(s) but"
                        + " kafka.partitions asks for " + wanted + " for " + schema.table() + ": Ferry does not add partitions to a"
                        + " topic it has written (keys would move); set kafka.partitions to " + found[0]
                        + ", or start over with `ferry reset`", null, false));
            }
            ensuredThisRun.add(schema.table());
        }
        if (state != null && state.durable.sameShapeAs(schema)) {
            state.lastSeen = schema;
            return;
        }
        TableSchema durable = schema.withVersion(state == null ? 1 : state.durable.version() + 1);
        String topic = state != null ? state.topic : TopicNames.table(settings.topicPrefix(), schema.table());
        TableState next = new TableState(durable, topic);
        next.lastSeen = schema;
        tables.put(schema.table(), next);
        send(new ProducerRecord<>(schemasTopic, 0, SchemaCodec.key(durable), SchemaCodec.write(durable, topic)));
    }

    @Override
    public void change(ChangeEvent event) {
        ensureUsable();
        checkSendFailure();
        TableState state = tables.get(event.table());
        if (state == null || state.lastSeen != event.schema()) {
            schema(event.schema());
            state = tables.get(event.table());
        }
        byte[] key = writer.key(event);
        byte[] value = writer.value(event, state.durable.version(), clock.millis());
        List<Header> headers = List.of(
                new EnvelopeHeader(event.op(), state.durable.version(), event.commitMicros()).toHeader());
        if (event.op() == Operation.TRUNCATE) {
            // Every partition's consumer must see the truncate in order with the rows it holds.
            int partitions = state.partitions(this);
            for (int p = 0; p < partitions; p++) {
                send(new ProducerRecord<>(state.topic, p, (byte[]) null, value, headers));
            }
        } else if (state.durable.primaryKey().isEmpty()) {
            // A keyless row's key is its whole row: an update would hash the old and the new image apart, and the
            // delete of the old row could be applied after the insert of the new one. One partition keeps order.
            send(new ProducerRecord<>(state.topic, 0, key, value, headers));
        } else {
            send(new ProducerRecord<>(state.topic, null, key, value, headers));
        }
        pendingEvents++;
        pendingMaxCommitMicros = Math.max(pendingMaxCommitMicros, event.commitMicros());
        newestPosition = event.position();
        positionUncommitted = true;
        if (pendingEvents >= settings.maxEventsPerTransaction() || lingerElapsed()) {
            commit();
        }
    }

    /**
     * A boundary inside an open transaction is acknowledged when that commits. Outside one it holds nothing
     * captured, so it is acknowledged at once; unless a heartbeat is due, when it is first committed alone: a
     * source busy only with tables not captured never goes idle, yet its position must still reach Kafka.
     */
    @Override
    public void boundary(SourcePosition position) {
        ensureUsable();
        newestPosition = position;
        positionUncommitted = true;
        if (transactionOpen) {
            pendingBoundary = position;
        } else if (heartbeatDue()) {
            pendingBoundary = position;
            heartbeat();
        } else {
            acknowledge.accept(position);
        }
    }

    @Override
    public void flush() {
        ensureUsable();
        if (!transactionOpen && positionUncommitted && newestPosition != null) {
            begin();
        }
        if (transactionOpen) {
            commit();
        }
    }

    /**
     * The source has nothing more to send right now: commit soon. Waiting out the full linger would only add
     * latency, yet a short pause keeps a bursty source from committing a tiny transaction per burst.
     */
    @Override
    public void idle() {
        ensureUsable();
        if (transactionOpen && clock.millis() - transactionStartMillis >= IDLE_LINGER_MILLIS) {
            commit();
        } else if (heartbeatDue()) {
            heartbeat();
        }
    }

    /** Counters of what this publisher committed. */
    public Stats stats() {
        return new Stats(eventsCommitted, transactionsCommitted, lastCommitMillis, newestCommittedSourceMicros);
    }

    /** Aborts an open transaction (its events are not acknowledged, so the source sends them again) and closes. */
    @Override
    public void close() {
        KafkaProducer<byte[], byte[]> p = producer;
        producer = null;
        if (p != null) {
            if (transactionOpen && failure == null) {
                try {
                    p.abortTransaction();
                } catch (RuntimeException ignored) {
                    // Closing anyway: the next holder of the transactional id aborts it when it fences us.
                }
            }
            p.close(Duration.ofSeconds(5));
        }
        transactionOpen = false;
        if (failure == null) {
            failure = new FerryException("the publisher of pipeline " + settings.pipeline() + " is closed");
        }
        if (admin != null) {
            admin.close();
        }
    }

    private void commit() {
        checkSendFailure();
        if (newestPosition != null && positionUncommitted) {
            send(sourcePositions.record(settings.pipeline(), writer.position(newestPosition)));
        }
        try {
            producer.commitTransaction();
        } catch (RuntimeException e) {
            throw fail("committing a transaction", unwrapSendFailure(e));
        }
        transactionOpen = false;
        positionUncommitted = false;
        eventsCommitted += pendingEvents;
        transactionsCommitted++;
        lastCommitMillis = clock.millis();
        if (pendingMaxCommitMicros > newestCommittedSourceMicros) {
            newestCommittedSourceMicros = pendingMaxCommitMicros;
        }
        pendingEvents = 0;
        pendingMaxCommitMicros = 0;
        SourcePosition boundary = pendingBoundary;
        pendingBoundary = null;
        if (boundary != null) {
            acknowledge.accept(boundary);
        }
    }

    /**
     * No transaction is open, a position is not yet in Kafka, and the last commit of this publisher (if any) is a
     * heartbeat interval ago: a stream of boundaries costs one small transaction per interval, a quiet source none.
     */
    private boolean heartbeatDue() {
        return !transactionOpen && positionUncommitted && newestPosition != null
                && clock.millis() - lastCommitMillis >= settings.heartbeat().toMillis();
    }

    /** Commits a transaction holding only the offsets record of the newest position. */
    private void heartbeat() {
        begin();
        commit();
    }

    private void begin() {
        try {
            producer.beginTransaction();
        } catch (RuntimeException e) {
            throw fail("beginning a transaction", e);
        }
        transactionOpen = true;
        transactionStartMillis = clock.millis();
    }

    private void send(ProducerRecord<byte[], byte[]> record) {
        if (!transactionOpen) {
            begin();
        }
        try {
            producer.send(record, onSent);
        } catch (RuntimeException e) {
            throw fail("sending to " + record.topic(), e);
        }
    }

    private void onSent(RecordMetadata metadata, Exception e) {
        if (e != null) {
            sendFailure.compareAndSet(null, e);
        }
    }

    private boolean lingerElapsed() {
        return transactionOpen && clock.millis() - transactionStartMillis >= settings.linger().toMillis();
    }

    private void checkSendFailure() {
        Exception e = sendFailure.get();
        if (e != null) {
            throw fail("sending", e);
        }
    }

    private Exception unwrapSendFailure(Exception commitError) {
        Exception e = sendFailure.get();
        return e != null ? e : commitError;
    }

    private void ensureUsable() {
        if (failure != null) {
            throw failure;
        }
    }

    private void guard(Runnable r) {
        try {
            r.run();
        } catch (FerryException e) {
            throw fail(e);
        }
    }

    /** Closes the producer and classifies the failure; no transaction outcome is guessed. */
    private FerryException fail(String doing, Throwable e) {
        FerryException f;
        if (has(e, ProducerFencedException.class) || has(e, InvalidProducerEpochException.class)) {
            f = new FerryException("another Ferry instance owns pipeline " + settings.pipeline() + " (transactional.id "
                    + settings.transactionalId() + "); this one stops", e, false);
        } else if (has(e, AuthorizationException.class)) {
            f = new FerryException("Kafka refused pipeline " + settings.pipeline() + " while " + doing
                    + ": not authorized (" + e.getMessage() + ")", e, false);
        } else if (has(e, RecordTooLargeException.class)) {
            f = new FerryException("a record is larger than Kafka accepts while " + doing
                    + "; raise max.request.size and the topic's max.message.bytes", e, false);
        } else if (has(e, UnsupportedVersionException.class)) {
            f = new FerryException("the Kafka cluster at " + settings.bootstrapServers()
                    + " does not support transactions as Ferry needs them: " + e.getMessage(), e, false);
        } else {
            f = FerryException.retriable("publishing pipeline " + settings.pipeline() + " to Kafka at "
                    + settings.bootstrapServers() + " failed while " + doing + " (outcome unknown; resume from the"
                    + " committed position): " + e, e);
        }
        return fail(f);
    }

    private FerryException fail(FerryException f) {
        if (failure == null) {
            failure = f;
        }
        KafkaProducer<byte[], byte[]> p = producer;
        producer = null;
        transactionOpen = false;
        if (p != null) {
            p.close(Duration.ZERO);
        }
        return f;
    }

    private FerryException failOpen(RuntimeException e) {
        KafkaProducer<byte[], byte[]> p = producer;
        producer = null;
        if (p != null) {
            p.close(Duration.ZERO);
        }
        if (e instanceof FerryException fe) {
            return fe;
        }
        if (has(e, ProducerFencedException.class) || has(e, AuthorizationException.class)
                || has(e, UnsupportedVersionException.class)) {
            return new FerryException("cannot open pipeline " + settings.pipeline() + " on Kafka at "
                    + settings.bootstrapServers() + ": " + e.getMessage(), e, false);
        }
        return FerryException.retriable("cannot reach Kafka at " + settings.bootstrapServers() + " to open pipeline "
                + settings.pipeline() + ": " + e.getMessage(), e);
    }

    private static boolean has(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private void remember(SchemaCodec.Published published) {
        if (published.sourceShape()) {
            sourceShapes.put(published.schema().table(), published.schema());
            return;
        }
        TableState old = tables.get(published.schema().table());
        if (old == null || old.durable.version() < published.schema().version()) {
            tables.put(published.schema().table(), new TableState(published.schema(), published.topic()));
        }
    }

    private static Map<String, Object> producerConfig(Settings s) {
        Map<String, Object> c = new HashMap<>();
        // Throughput defaults a user may tune through clientProperties.
        c.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        c.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        c.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(64L * 1024 * 1024));
        c.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        c.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "60000");
        c.put(ProducerConfig.CLIENT_ID_CONFIG, "ferry-" + s.pipeline());
        c.putAll(s.clientProperties());
        // What exactly-once rests on is not tunable.
        c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, s.bootstrapServers());
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        c.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, s.transactionalId());
        c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(s.openTimeout().toMillis()));
        return c;
    }

    /** What the publisher knows of one table: its newest durable schema and its topic. */
    private static final class TableState {
        final TableSchema durable;
        final String topic;
        TableSchema lastSeen;
        int partitions;

        TableState(TableSchema durable, String topic) {
            this.durable = durable;
            this.topic = topic;
        }

        int partitions(TransactionalPublisher publisher) {
            if (partitions == 0) {
                try {
                    partitions = publisher.producer.partitionsFor(topic).size();
                } catch (RuntimeException e) {
                    throw publisher.fail("finding the partitions of " + topic, e);
                }
            }
            return partitions;
        }
    }
}
