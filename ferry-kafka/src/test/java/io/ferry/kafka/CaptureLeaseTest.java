package io.ferry.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
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
}
