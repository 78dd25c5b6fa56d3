package io.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.core.FerryException;
import io.ferry.core.health.Part;
import io.ferry.core.health.PipelineHealth;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import org.apache.kafka.common.KafkaException;
import org.junit.jupiter.api.Test;

class SupervisedLoopTest {

    private final PipelineHealth health = new PipelineHealth(Clock.systemUTC(),
            Map.of(Part.SOURCE, "postgres at s:5432/db", Part.KAFKA, "k:9092", Part.SINK, "postgres at t:5432/db"));

    /** A loop whose attempts throw the given failures in turn, then stop the loop. */
    private final class Scripted extends SupervisedLoop {
        private final Deque<RuntimeException> failures = new ArrayDeque<>();

        Scripted(RuntimeException... failures) {
            super("apply", SupervisedLoopTest.this.health);
            this.failures.addAll(java.util.List.of(failures));
        }

        @Override
        protected void attempt() {
            RuntimeException next = failures.poll();
            if (next == null) {
                stop();
                return;
            }
            throw next;
        }

        @Override
        protected void interruptAttempt() {
        }

        @Override
        protected Part partOf(RuntimeException e) {
            return Part.SINK;
        }
    }

    @Test
    void aFerryExceptionWrappedByALibraryIsStillItsOwnFailure() {
        // What a consumer's poll throws when the rebalance callback threw: the sink's message must survive.
        FerryException missing = new FerryException("PostgreSQL target t:5432 has no database db");
        Scripted loop = new Scripted(new KafkaException("User rebalance callback throws an error", missing));

        loop.run();

        assertThat(loop.failure()).isSameAs(missing);
        assertThat(loop.state()).startsWith("failed: PostgreSQL target t:5432 has no database db");
    }

    @Test
    void anUnexpectedExceptionIsAFailureNotAStop() {
        Scripted loop = new Scripted(new IllegalStateException("boom"));

        loop.run();

        assertThat(loop.failure()).isInstanceOf(FerryException.class)
                .hasMessage("apply stopped on an unexpected error: IllegalStateException: boom (the stack trace is in"
                        + " the log file)");
        assertThat(loop.state()).doesNotContain("stopped\n").startsWith("failed:");
    }

    @Test
    void aKafkaClientsRetriableExceptionIsRetriedNotFatal() {
        Scripted loop = new Scripted(new org.apache.kafka.common.errors.TimeoutException("Timeout expired"));

        loop.run();

        assertThat(loop.failure()).isNull();
        assertThat(health.down()).singleElement().satisfies(p -> assertThat(p.reason())
                .isEqualTo("Kafka: TimeoutException: Timeout expired"));
    }

    @Test
    void aRetriableFailureMarksItsPartDownWithTheNextTry() {
        Scripted loop = new Scripted(FerryException.retriable("cannot reach PostgreSQL target t:5432", null));
        health.up(Part.SINK);

        loop.run();

        assertThat(loop.failure()).isNull();
        assertThat(health.down()).singleElement().satisfies(p -> {
            assertThat(p.part()).isEqualTo(Part.SINK);
            assertThat(p.reason()).isEqualTo("cannot reach PostgreSQL target t:5432");
            assertThat(p.retryAt()).isNotNull();
        });
    }
}
