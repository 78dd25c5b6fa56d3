package io.ferry.kafka;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Column;
import io.ferry.core.ColumnType;
import io.ferry.core.FerryException;
import io.ferry.core.Operation;
import io.ferry.core.SourcePosition;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.core.Sink;
import io.ferry.core.config.SinkConfig;
import io.ferry.core.schema.SchemaHistory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TransactionalPublisherTest {

    private static final AtomicInteger PIPELINES = new AtomicInteger();
    private static final TableSchema ORDERS = new TableSchema(new TableId("public", "orders"), 1, List.of(
            new Column("id", ColumnType.of(TypeKind.INT32, "integer"), false),
            new Column("note", ColumnType.of(TypeKind.TEXT, "text"), true)), List.of("id"));
    private static KafkaTestCluster kafka;

    private final MutableClock clock = new MutableClock();
    private final List<SourcePosition> acks = new CopyOnWriteArrayList<>();
    private final List<TransactionalPublisher> opened = new ArrayList<>();
    private final String prefix = "t" + PIPELINES.incrementAndGet();
    private final String pipeline = "pipe-" + prefix;
    private final String ordersTopic = TopicNames.table(prefix, ORDERS.table());
    private final EnvelopeReader reader = new EnvelopeReader();

    @BeforeAll
    static void startKafka() {
        kafka = KafkaTestCluster.start(1);
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @AfterEach
    void closePublishers() {
        opened.forEach(TransactionalPublisher::close);
    }

    @Test
    void eventsAreVisibleToReadCommittedConsumersOnlyAfterCommit() {
        TransactionalPublisher publisher = open(settings().withBatching(1000, Duration.ofHours(1)));
        assertThat(publisher.committedPosition()).isEmpty();
        publisher.schema(ORDERS);
        publisher.change(insert(1, "one", new TestPosition(10, 0)));
        publisher.change(insert(2, "two", new TestPosition(10, 1)));

        assertThat(kafka.drainCommitted(List.of(ordersTopic))).isEmpty();

        publisher.flush();

        List<ConsumerRecord<byte[], byte[]>> events = kafka.awaitCommitted(List.of(ordersTopic), 2);
        assertThat(events).extracting(r -> text(r.key())).containsExactly("{\"id\":1}", "{\"id\":2}");
        assertThat(reader.read(ORDERS, events.get(1).value()).after()).containsExactly(2, "two");
        assertThat(offsets().read(pipeline)).isEqualTo(Map.of("lsn", 10, "index", 1));
        assertThat(publisher.stats().eventsCommitted()).isEqualTo(2);
        assertThat(publisher.stats().transactionsCommitted()).isEqualTo(1);
        assertThat(publisher.stats().newestCommittedSourceMicros()).isEqualTo(1_000L);
    }

    @Test
    void anOpenTransactionDiesWithItsFencedPublisherAndTheNewOneResumesFromTheLastCommit() {
        TransactionalPublisher zombie = open(settings().withBatching(1000, Duration.ofHours(1)));
        zombie.change(insert(1, "committed", new TestPosition(10, 0)));
        zombie.boundary(new TestPosition(10, 1));
        zombie.flush();
        zombie.change(insert(2, "never committed", new TestPosition(20, 0)));
        zombie.boundary(new TestPosition(20, 1));

        TransactionalPublisher successor = open(settings().withBatching(1000, Duration.ofHours(1)));

        assertThat(successor.committedPosition()).isEqualTo(Map.of("lsn", 10, "index", 1));
        assertThat(kafka.awaitCommitted(List.of(ordersTopic), 1)).extracting(r -> text(r.key()))
                .containsExactly("{\"id\":1}");
        assertThatThrownBy(zombie::flush).isInstanceOfSatisfying(FerryException.class, e -> {
            assertThat(e.retriable()).isFalse();
            assertThat(e).hasMessageContaining("another Ferry instance owns pipeline " + pipeline);
        });
        assertThat(acks).containsExactly(new TestPosition(10, 1));
    }

    @Test
    void aTransactionCommitsWhenItHoldsMaxEvents() {
        TransactionalPublisher publisher = open(settings().withBatching(10, Duration.ofHours(1)));
        for (int i = 0; i < 25; i++) {
            publisher.change(insert(i, "n" + i, new TestPosition(i, 0)));
        }

        assertThat(publisher.stats().transactionsCommitted()).isEqualTo(2);
        assertThat(kafka.awaitCommitted(List.of(ordersTopic), 20)).hasSize(20);
        assertThat(offsets().read(pipeline)).isEqualTo(Map.of("lsn", 19, "index", 0));

        publisher.flush();
        assertThat(kafka.awaitCommitted(List.of(ordersTopic), 25)).hasSize(25);
        assertThat(publisher.stats().eventsCommitted()).isEqualTo(25);
    }

    @Test
    void aBusySourceCommitsOnceLingerElapsedAnIdleOneAfterAShortPause() {
        TransactionalPublisher publisher = open(settings().withBatching(1000, Duration.ofMillis(100)));
        publisher.change(insert(1, "a", new TestPosition(1, 0)));
        clock.advance(Duration.ofMillis(9));
        publisher.idle();
        assertThat(publisher.stats().transactionsCommitted()).isZero();

        clock.advance(Duration.ofMillis(1));
        publisher.idle();
        assertThat(publisher.stats().transactionsCommitted()).isEqualTo(1);
        assertThat(publisher.stats().lastCommitMillis()).isEqualTo(clock.millis());

        publisher.change(insert(2, "b", new TestPosition(2, 0)));
        clock.advance(Duration.ofMillis(99));
        publisher.change(insert(3, "c", new TestPosition(3, 0)));
        assertThat(publisher.stats().transactionsCommitted()).isEqualTo(1);
        clock.advance(Duration.ofMillis(1));
        publisher.change(insert(4, "d", new TestPosition(4, 0)));
        assertThat(publisher.stats().transactionsCommitted()).isEqualTo(2);
        assertThat(kafka.awaitCommitted(List.of(ordersTopic), 4)).hasSize(4);
    }

    @Test
    void aBoundaryIsAcknowledgedOnlyOnceTheTransactionHoldingItCommitted() {
        TransactionalPublisher publisher = open(settings().withBatching(1000, Duration.ofHours(1)));
        publisher.change(insert(1, "a", new TestPosition(1, 0)));
        publisher.boundary(new TestPosition(1, 1));
        publisher.change(insert(2, "b", new TestPosition(2, 0)));
        assertThat(acks).isEmpty();

        publisher.flush();
        assertThat(acks).containsExactly(new TestPosition(1, 1));
        assertThat(offsets().read(pipeline)).isEqualTo(Map.of("lsn", 2, "index", 0));

        // Nothing pending: an idle boundary is acknowledged at once, and flush records it on its own.
        publisher.boundary(new TestPosition(5, 0));
        assertThat(acks).containsExactly(new TestPosition(1, 1), new TestPosition(5, 0));
        publisher.flush();
        assertThat(offsets().read(pipeline)).isEqualTo(Map.of("lsn", 5, "index", 0));
        assertThat(kafka.awaitCommitted(List.of(ordersTopic), 2)).hasSize(2);
    }

    @Test
    void aPositionWithoutEventsIsCommittedAloneOnceAHeartbeatIsDueAndNothingElseIs() {
        TransactionalPublisher publisher = open(settings().withBatching(1000, Duration.ofHours(1)));
        publisher.change(insert(1, "a", new TestPosition(1, 0)));
        publisher.flush();
        assertThat(publisher.stats().transactionsCommitted()).isEqualTo(1);

        // A source transaction on a table not captured: nothing to wait for, so acknowledged at once.
        publisher.boundary(new TestPosition(2, 1));
        assertThat(acks).containsExactly(new TestPosition(2, 1));
        clock.advance(Duration.ofMillis(999));
        publisher.idle();
        assertThat(publisher.stats().transactionsCommitted()).isEqualTo(1);
        assertThat(offsets().read(pipeline)).isEqualTo(Map.of("lsn", 1, "index", 0));

        clock.advance(Duration.ofMillis(1));
        publisher.idle();
        assertThat(publisher.stats().transactionsCommitted()).isEqualTo(2);
        assertThat(publisher.stats().eventsCommitted()).isEqualTo(1);
        assertThat(offsets().read(pipeline)).isEqualTo(Map.of("lsn", 2, "index", 1));

        // Nothing new: a long quiet spell costs no transaction.
        clock.advance(Duration.ofMinutes(5));
        publisher.idle();
        publisher.idle();
        publisher.flush();
        assertThat(publisher.stats().transactionsCommitted()).isEqualTo(2);
        assertThat(kafka.awaitCommitted(List.of(ordersTopic), 1)).hasSize(1);
        assertThat(kafka.drainCommitted(List.of(TopicNames.offsets(prefix)))).hasSize(2);
    }

    @Test
    void aSourceBusyOnlyWithTablesNotCapturedCommitsItsPositionOncePerHeartbeatAndThenAcknowledges() {
        AtomicReference<TransactionalPublisher> self = new AtomicReference<>();
        List<String> acknowledged = new CopyOnWriteArrayList<>();
        TransactionalPublisher.Settings s = settings().withHeartbeat(Duration.ofMillis(500));
        TransactionalPublisher publisher = new TransactionalPublisher(s, clock,
                p -> acknowledged.add(p + " after " + self.get().stats().transactionsCommitted()));
        opened.add(publisher);
        self.set(publisher);

        // Never idle: a boundary every 100 ms. The first one commits at once (this publisher never committed).
        for (int i = 0; i < 12; i++) {
            publisher.boundary(new TestPosition(100 + i, 0));
            clock.advance(Duration.ofMillis(100));
        }

        assertThat(publisher.stats().transactionsCommitted()).isEqualTo(3);
        assertThat(publisher.stats().eventsCommitted()).isZero();
        // A heartbeat's boundary is acknowledged after the transaction holding it committed, the others at once.
        assertThat(acknowledged).containsExactly(
                "TestPosition[lsn=100, index=0] after 1",
                "TestPosition[lsn=101, index=0] after 1",
                "TestPosition[lsn=102, index=0] after 1",
                "TestPosition[lsn=103, index=0] after 1",
                "TestPosition[lsn=104, index=0] after 1",
                "TestPosition[lsn=105, index=0] after 2",
                "TestPosition[lsn=106, index=0] after 2",
                "TestPosition[lsn=107, index=0] after 2",
                "TestPosition[lsn=108, index=0] after 2",
                "TestPosition[lsn=109, index=0] after 2",
                "TestPosition[lsn=110, index=0] after 3",
                "TestPosition[lsn=111, index=0] after 3");
        assertThat(offsets().read(pipeline)).isEqualTo(Map.of("lsn", 110, "index", 0));
        assertThat(kafka.drainCommitted(List.of(TopicNames.offsets(prefix))))
                .extracting(r -> text(r.value()))
                .containsExactly("{\"lsn\":100,\"index\":0}", "{\"lsn\":105,\"index\":0}",
                        "{\"lsn\":110,\"index\":0}");
    }

    @Test
    void aTruncateLandsOnEveryPartitionAfterThatPartitionsRows() {
        TransactionalPublisher publisher = open(settings().withTablePartitions(3));
        for (int i = 0; i < 30; i++) {
            publisher.change(insert(i, "x", new TestPosition(1, i)));
        }
        publisher.change(new ChangeEvent(Operation.TRUNCATE, ORDERS, null, null, new TestPosition(2, 0), 2, 2));
        publisher.flush();

        Map<Integer, List<ConsumerRecord<byte[], byte[]>>> byPartition = kafka.awaitCommitted(List.of(ordersTopic), 33)
                .stream().collect(Collectors.groupingBy(ConsumerRecord::partition));
        assertThat(byPartition).containsOnlyKeys(0, 1, 2);
        byPartition.values().forEach(records -> {
            ConsumerRecord<byte[], byte[]> last = records.get(records.size() - 1);
            assertThat(last.key()).isNull();
            assertThat(reader.read(ORDERS, last.value()).op()).isEqualTo(Operation.TRUNCATE);
            assertThat(records).hasSizeGreaterThan(1);
        });
    }

    @Test
    void rowsOfAKeylessTableAllLandOnPartitionZeroSoTheirOrderHolds() {
        TableSchema keyless = new TableSchema(ORDERS.table(), 1, ORDERS.columns(), List.of());
        TransactionalPublisher publisher = open(settings().withTablePartitions(3));
        for (int i = 0; i < 20; i++) {
            publisher.change(new ChangeEvent(Operation.CREATE, keyless, null, new Object[]{i, "x"},
                    new TestPosition(1, i), 1, 1));
        }
        publisher.flush();

        assertThat(kafka.awaitCommitted(List.of(ordersTopic), 20)).extracting(ConsumerRecord::partition)
                .containsOnly(0);
    }

    @Test
    void aTopicWithFewerPartitionsThanConfiguredIsOneClearErrorAndIsNotWidened() {
        TransactionalPublisher first = open(settings());
        first.change(insert(1, "a", new TestPosition(1, 0)));
        first.flush();
        first.close();

        TransactionalPublisher second = open(settings().withTablePartitions(4));
        assertThatThrownBy(() -> second.change(insert(2, "b", new TestPosition(2, 0))))
                .isInstanceOfSatisfying(FerryException.class, e -> assertThat(e.retriable()).isFalse())
                .hasMessageStartingWith("topic " + ordersTopic + " has 1 partition(s) but kafka.partitions asks for 4"
                        + " for public.orders: Ferry does not add partitions");
        try (TopicAdmin admin = new TopicAdmin(kafka.bootstrapServers(), Map.of())) {
            assertThat(admin.partitionCount(ordersTopic)).isEqualTo(1);
        }
    }

    @Test
    void aSchemaPrecedesItsFirstEventAndASameShapeReannouncementKeepsItsVersion() {
        String schemasTopic = TopicNames.schemas(prefix);
        TransactionalPublisher first = open(settings());
        first.schema(ORDERS);
        first.change(insert(1, "a", new TestPosition(1, 0)));
        first.schema(ORDERS.withVersion(2));
        first.flush();
        first.close();

        TransactionalPublisher second = open(settings());
        second.schema(ORDERS.withVersion(1));
        TableSchema widened = new TableSchema(ORDERS.table(), 2, List.of(ORDERS.columns().get(0),
                ORDERS.columns().get(1), new Column("qty", ColumnType.of(TypeKind.INT16, "smallint"), true)),
                List.of("id"));
        second.change(new ChangeEvent(Operation.CREATE, widened, null, new Object[]{2, "b", (short) 3},
                new TestPosition(2, 0), 2, 2));
        second.flush();

        List<TableSchema> published = kafka.awaitCommitted(List.of(schemasTopic), 2).stream()
                .map(r -> SchemaCodec.read(r.value()).schema()).toList();
        assertThat(published).extracting(TableSchema::version).containsExactly(1, 2);
        assertThat(published.get(1).sameShapeAs(widened)).isTrue();
        assertThat(kafka.awaitCommitted(List.of(ordersTopic), 2))
                .extracting(r -> EnvelopeReader.schemaVersion(r.value())).containsExactly(1, 2);
    }

    @Test
    void aRecordedSourceShapeOutlivesTheRunAndIsNoPublishedSchema() {
        TableSchema source = new TableSchema(new TableId("public", "orders_7"), 1, ORDERS.columns(), List.of("id"));
        TransactionalPublisher first = open(settings());
        first.recordSourceShape(source);
        first.schema(ORDERS);
        first.change(insert(1, "a", new TestPosition(1, 0)));
        first.recordSourceShape(source.withVersion(5));
        first.flush();
        first.close();

        TransactionalPublisher second = open(settings());
        assertThat(second.recordedSourceShape(source.table())).hasValueSatisfying(s -> assertThat(s.sameShapeAs(source)).isTrue());
        assertThat(second.published(source.table())).isEmpty();
        assertThat(second.recordedSourceShape(ORDERS.table())).isEmpty();
        TableSchema widened = new TableSchema(source.table(), 2, List.of(ORDERS.columns().get(0),
                ORDERS.columns().get(1), new Column("qty", ColumnType.of(TypeKind.INT16, "smallint"), true)),
                List.of("id"));
        second.recordSourceShape(widened);
        second.flush();
        second.close();

        // Same shape again: not written twice; a new one is. The apply side's store and `ferry drop` skip them.
        List<SchemaCodec.Published> records = kafka.awaitCommitted(List.of(TopicNames.schemas(prefix)), 3).stream()
                .map(r -> SchemaCodec.read(r.value())).toList();
        assertThat(records).extracting(SchemaCodec.Published::sourceShape).containsExactly(true, false, true);
        assertThat(open(settings()).recordedSourceShape(source.table()))
                .hasValueSatisfying(s -> assertThat(s.sameShapeAs(widened)).isTrue());
        try (SchemaStore store = new SchemaStore(kafka.bootstrapServers(), Map.of(), TopicNames.schemas(prefix))) {
            assertThat(store.schema(ordersTopic, 1).sameShapeAs(ORDERS)).isTrue();
        }
        try (OwnedTopics owned = new OwnedTopics(kafka.bootstrapServers(), Map.of(), prefix, pipeline, List.of())) {
            assertThat(owned.tables()).containsExactly(ORDERS.table());
        }
    }

    @Test
    void anApplierInTheSameProcessSubscribesToATopicAsCaptureCreatesIt() throws Exception {
        // Ten minutes between metadata refreshes: only the publisher's word brings the new topic in within the wait.
        List<ChangeEvent> applied = new CopyOnWriteArrayList<>();
        Applier applier = new Applier(kafka.bootstrapServers(), Map.of("metadata.max.age.ms", "600000"), prefix,
                "apply-" + prefix, new ListSink(applied), SinkConfig.OnError.STOP);
        Thread thread = new Thread(applier, "applier-" + prefix);
        thread.start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> applier.state().equals("applying"));
            TransactionalPublisher publisher = open(settings());
            publisher.onTopicCreated(applier::topicsAdded);
            publisher.schema(ORDERS);
            publisher.change(insert(1, "a", new TestPosition(1, 0)));
            publisher.flush();
            await().atMost(Duration.ofSeconds(60)).until(() -> applied.size() == 1);
            assertThat(applied.get(0).after()).containsExactly(1, "a");
        } finally {
            applier.stop();
            thread.join(30_000);
        }
    }

    /** Keeps applied events and offsets in memory, as a target would in its transaction. */
    private static final class ListSink implements Sink {
        private final List<ChangeEvent> applied;
        private final Map<String, Map<Integer, Long>> offsets = new java.util.concurrent.ConcurrentHashMap<>();

        ListSink(List<ChangeEvent> applied) {
            this.applied = applied;
        }

        @Override
        public void ensureTable(TableSchema schema, SchemaHistory history) {
        }

        @Override
        public Map<Integer, Long> storedOffsets(String topic) {
            return Map.copyOf(offsets.getOrDefault(topic, Map.of()));
        }

        @Override
        public void apply(List<ChangeEvent> events, List<OffsetUpdate> updates) {
            applied.addAll(events);
            for (OffsetUpdate u : updates) {
                offsets.computeIfAbsent(u.topic(), t -> new java.util.concurrent.ConcurrentHashMap<>())
                        .put(u.partition(), u.newNext());
            }
        }

        @Override
        public void close() {
        }
    }

    @Test
    void anUnreachableClusterAtOpenIsRetriableAndNamesTheServers() {
        TransactionalPublisher.Settings s = TransactionalPublisher.Settings.of("127.0.0.1:1", Map.of(), prefix,
                pipeline, "postgresql", "shop").withOpenTimeout(Duration.ofSeconds(2));
        assertThatThrownBy(() -> new TransactionalPublisher(s, clock, acks::add))
                .isInstanceOfSatisfying(FerryException.class, e -> assertThat(e.retriable()).isTrue())
                .hasMessageContaining("127.0.0.1:1");
    }

    @Test
    void commitsBatchThousandsOfEvents() {
        TransactionalPublisher publisher = open(settings().withBatching(20_000, Duration.ofHours(1)));
        int n = 100_000;
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            publisher.change(insert(i % 5000, "note " + i, new TestPosition(i, 0)));
        }
        publisher.flush();
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("publisher: %d events in %.2f s (%.0f events/s), %d transactions%n", n, seconds, n / seconds,
                publisher.stats().transactionsCommitted());
        assertThat(publisher.stats().transactionsCommitted()).isEqualTo(5);
        assertThat(publisher.stats().eventsCommitted()).isEqualTo(n);
    }

    private TransactionalPublisher.Settings settings() {
        return TransactionalPublisher.Settings.of(kafka.bootstrapServers(), Map.of(), prefix, pipeline, "postgresql",
                "shop");
    }

    private TransactionalPublisher open(TransactionalPublisher.Settings s) {
        TransactionalPublisher p = new TransactionalPublisher(s, clock, acks::add);
        opened.add(p);
        return p;
    }

    private SourcePositions offsets() {
        return new SourcePositions(kafka.bootstrapServers(), Map.of(), TopicNames.offsets(prefix));
    }

    private static ChangeEvent insert(int id, String note, TestPosition position) {
        return new ChangeEvent(Operation.CREATE, ORDERS, null, new Object[]{id, note}, position, position.lsn(), 1_000);
    }

    private static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }
}
