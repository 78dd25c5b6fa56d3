package io.ferry.core.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.core.health.PipelineHealth.State;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PipelineHealthTest {

    private Instant now = Instant.parse("2026-11-30T21:00:00Z");
    private final Clock clock = new Clock() {
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        public Instant instant() {
            return now;
        }
    };

    private final PipelineHealth health = new PipelineHealth(clock, Map.of(Part.SOURCE, "postgres at db:5432/shop",
            Part.KAFKA, "k1:9092", Part.SINK, "postgres at target:5432/replica"));

    @Test
    void runningOnlyOnceEveryPartAnswered() {
        assertThat(health.state()).isEqualTo(State.STARTING);
        health.up(Part.SOURCE);
        health.up(Part.KAFKA);
        assertThat(health.state()).isEqualTo(State.STARTING);
        health.up(Part.SINK);
        assertThat(health.state()).isEqualTo(State.RUNNING);
        assertThat(health.down()).isEmpty();
    }

    @Test
    void aPartDownSaysSinceWhenWhyAndWhenTheNextTryIs() {
        health.up(Part.SOURCE);
        health.up(Part.KAFKA);
        health.up(Part.SINK);
        health.down(Part.KAFKA, "connection refused", now.plusSeconds(8));
        now = now.plusSeconds(3);
        // A second failure of the same outage keeps when it began.
        health.down(Part.KAFKA, "connection refused", now.plusSeconds(16));
        now = now.plusSeconds(2);

        assertThat(health.state()).isEqualTo(State.WAITING);
        assertThat(health.down()).singleElement().satisfies(p -> {
            assertThat(p.since()).isEqualTo(now.minusSeconds(5));
            assertThat(p.describe(now)).isEqualTo("waiting for Kafka at k1:9092: connection refused, 2 failed"
                    + " attempts, retry in 14 s (down 5 s)");
            assertThat(p.failedAttempts()).isEqualTo(2);
        });

        health.up(Part.KAFKA);
        assertThat(health.state()).isEqualTo(State.RUNNING);
        health.down(Part.KAFKA, "connection refused", null);
        assertThat(health.down()).singleElement().extracting(PartState::failedAttempts)
                .as("a new outage counts from one").isEqualTo(1);
    }

    @Test
    void theSinkIsNamedByKindAndAddress() {
        health.down(Part.SINK, "password authentication failed for user \"x\"", now.plus(Duration.ofSeconds(4)));

        assertThat(health.down().get(0).describe(now)).isEqualTo("sink postgres at target:5432/replica: password"
                + " authentication failed for user \"x\", 1 failed attempt, retry in 4 s (down 0 s)");
    }

    @Test
    void theSourceIsNamedByKindAndAddressWithoutARetryWhenNoneIsScheduled() {
        health.down(Part.SOURCE, "terminating connection due to administrator command", null);

        assertThat(health.down().get(0).describe(now)).isEqualTo("source postgres at db:5432/shop: terminating"
                + " connection due to administrator command, 1 failed attempt (down 0 s)");
    }

    @Test
    void aFailureOrAStopEndsItWhateverThePartsSay() {
        health.up(Part.SOURCE);
        health.failed("cannot apply public.t key 1: value too long");
        assertThat(health.state()).isEqualTo(State.FAILED);
        assertThat(health.failure()).contains("value too long");
        health.stopped();
        assertThat(health.state()).as("a failure is not overwritten by the stop that follows").isEqualTo(State.FAILED);
    }

    @Test
    void aPipelineWithoutSinkHasNoSinkPart() {
        PipelineHealth noSink = new PipelineHealth(clock, Map.of(Part.SOURCE, "s", Part.KAFKA, "k"));
        noSink.up(Part.SOURCE);
        noSink.up(Part.KAFKA);
        noSink.down(Part.SINK, "ignored", null);

        assertThat(noSink.state()).isEqualTo(State.RUNNING);
        assertThat(noSink.parts()).extracting(PartState::part).containsExactly(Part.SOURCE, Part.KAFKA);
    }
}
