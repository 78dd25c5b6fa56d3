package io.ferry.kafka;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Column;
import io.ferry.core.ColumnType;
import io.ferry.core.Operation;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import org.junit.jupiter.api.Test;

import java.time.Clock;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class TopicAdminTest {

    private static final TableSchema ORDERS = new TableSchema(new TableId("public", "orders"), 1,
            List.of(new Column("id", ColumnType.of(TypeKind.INT32, "integer"), false)), List.of("id"));

    @Test
    void aThreeBrokerClusterGetsReplicationFactorThreeAndMinInsyncTwo() {
        try (KafkaTestCluster cluster = KafkaTestCluster.start(3);
             TopicAdmin admin = new TopicAdmin(cluster.bootstrapServers(), Map.of())) {
            assertThat(admin.brokerCount()).isEqualTo(3);
            assertThat(admin.ensureTopic("ferry.public.orders", 2, false)).isTrue();
            assertThat(admin.ensureTopic("ferry.public.orders", 2, false)).isFalse();
            admin.ensureTopic("ferry.ferry-offsets", 1, true);

            Map<String, String> config = admin.topicConfig("ferry.public.orders");
            assertThat(config).containsEntry("min.insync.replicas", "2")
                    .containsEntry("unclean.leader.election.enable", "false")
                    .containsEntry("cleanup.policy", "delete");
            assertThat(admin.topicConfig("ferry.ferry-offsets")).containsEntry("cleanup.policy", "compact");

            List<TopicAdmin.PartitionState> partitions = admin.describe("ferry.public.orders");
            assertThat(partitions).hasSize(2).allSatisfy(p -> {
                assertThat(p.replicas()).hasSize(3);
                assertThat(p.isr()).hasSize(3);
                assertThat(p.leader()).isIn(1, 2, 3);
                assertThat(p.highWatermark()).isZero();
            });

            // The publisher's own topics get the same guarantees, and acks=all commits survive losing one broker.
            TransactionalPublisher.Settings settings = TransactionalPublisher.Settings.of(cluster.bootstrapServers(),
                    Map.of(), "three", "pipe", "postgresql", "shop");
            try (TransactionalPublisher publisher = new TransactionalPublisher(settings, Clock.systemUTC(), p -> { })) {
                publisher.schema(ORDERS);
                cluster.kafka().stopBroker(3);
                assertThat(admin.brokerCount()).as("a stopped broker still counts").isEqualTo(3);
                publisher.change(new ChangeEvent(Operation.CREATE, ORDERS, null, new Object[]{1}, new TestPosition(1, 0),
                        1, 1));
                publisher.flush();
                assertThat(publisher.stats().transactionsCommitted()).isEqualTo(1);
            }
            cluster.kafka().restartBroker(3);
            for (String topic : List.of(TopicNames.table("three", ORDERS.table()), TopicNames.offsets("three"),
                    TopicNames.schemas("three"))) {
                assertThat(admin.topicConfig(topic)).as(topic).containsEntry("min.insync.replicas", "2");
                assertThat(admin.describe(topic)).as(topic).allSatisfy(p -> assertThat(p.replicas()).hasSize(3));
            }
            assertThat(cluster.awaitCommitted(List.of(TopicNames.table("three", ORDERS.table())), 1)).hasSize(1);
        }
    }

    @Test
    void aSingleBrokerGetsWhatItCanGive() {
        try (KafkaTestCluster cluster = KafkaTestCluster.start(1);
             TopicAdmin admin = new TopicAdmin(cluster.bootstrapServers(), Map.of())) {
            admin.ensureTopic("t", 1, false);
            assertThat(admin.topicConfig("t")).containsEntry("min.insync.replicas", "1");
            assertThat(admin.describe("t")).containsExactly(new TopicAdmin.PartitionState(0, 1, List.of(1), List.of(1), 0));
            assertThat(admin.partitionCount("absent")).isZero();
        }
    }
}
