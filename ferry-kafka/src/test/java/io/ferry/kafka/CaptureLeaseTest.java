package io.ferry.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CaptureLeaseTest {

    private static KafkaTestCluster kafka;

    @BeforeAll
    static void startKafka() {
        kafka = KafkaTestCluster.start(1);
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @Test
    void oneOfTwoProcessesHoldsTheLeaseAndTheOtherTakesOverWhenItEnds() throws Exception {
        String topic = TopicNames.offsets("lease");
        AtomicInteger firstLost = new AtomicInteger();
        CaptureLease first = new CaptureLease(kafka.bootstrapServers(), Map.of(), "ferry-lease-capture", topic);
        first.onLost(firstLost::incrementAndGet);
        assertThat(first.awaitHeld(Duration.ofSeconds(30))).isTrue();

        try (CaptureLease second = new CaptureLease(kafka.bootstrapServers(), Map.of(), "ferry-lease-capture", topic)) {
            // Joining to stand by does not take the lease from the holder (sticky, cooperative).
            assertThat(second.awaitHeld(Duration.ofSeconds(3))).isFalse();
            assertThat(first.held()).isTrue();
            assertThat(firstLost).hasValue(0);

            first.close();
            assertThat(firstLost).hasValue(1);
            assertThat(second.awaitHeld(Duration.ofSeconds(30))).isTrue();
            assertThat(first.held()).isFalse();
        }
    }

    @Test
    void dropSeesTheLeaseGroupRefusesWhileItIsHeldAndRemovesItAfter() throws Exception {
        String topic = TopicNames.offsets("leasedrop");
        try (OwnedTopics owned = new OwnedTopics(kafka.bootstrapServers(), Map.of(), "leasedrop", "leasedrop",
                List.of("ferry-leasedrop-sink", "ferry-leasedrop-capture"))) {
            CaptureLease lease = new CaptureLease(kafka.bootstrapServers(), Map.of(), "ferry-leasedrop-capture", topic);
            assertThat(lease.awaitHeld(Duration.ofSeconds(30))).isTrue();
            assertThat(owned.groups()).containsOnlyKeys("ferry-leasedrop-capture");
            assertThat(owned.groups().get("ferry-leasedrop-capture")).hasSize(1);
            assertThatThrownBy(() -> owned.delete(List.of()))
                    .hasMessageContaining("consumer group ferry-leasedrop-capture has active members");

            lease.close();
            assertThat(owned.groups()).containsEntry("ferry-leasedrop-capture", List.of());
            owned.delete(List.of());
            assertThat(owned.groups()).isEmpty();
        }
    }
}
