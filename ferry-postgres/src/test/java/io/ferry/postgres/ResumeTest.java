package io.ferry.postgres;

import io.ferry.core.RecordingHandler;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Restarting from a position inside a source transaction hands over exactly the rest. */
class ResumeTest {

    private static final PostgresTestServer PG = PostgresTestServer.shared();

    @Test
    void resumingFromTheKthEventOfATransactionSkipsExactlyWhatWasHandedOver() throws Exception {
        String slot = "resume_slot";
        PG.dropSlot(slot);
        PG.execute("CREATE TABLE resumed (id int PRIMARY KEY, v text)");
        PostgresSource first = new PostgresSource(PG.sourceConfig(List.of("resumed"), SnapshotMode.NEVER), slot);
        first.prepare();
        List<ChangeEvent> seen;
        List<io.ferry.core.TableSchema> published;
        // No acknowledgements: the slot keeps the transaction, as it does until Kafka commits it.
        try (Capture c = Capture.start(first, Map.of(), false)) {
            PG.execute("BEGIN; INSERT INTO resumed SELECT g, 'v' || g FROM generate_series(1, 10) g;"
                    + " UPDATE resumed SET v = 'w' WHERE id <= 3; COMMIT");
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() == 13);
            seen = List.copyOf(c.handler.changes);
            published = List.copyOf(c.handler.schemas);
        }
        Map<String, Object> resume = RecordingHandler.describe(seen.get(6).position());
        // JSON parsing gives small numbers back as Integer.
        resume.put(PgPosition.INDEX, ((Number) resume.get(PgPosition.INDEX)).intValue());

        PostgresSource second = new PostgresSource(PG.sourceConfig(List.of("resumed"), SnapshotMode.NEVER), slot);
        // The restart knows the schemas the first run published, as the publisher does.
        try (Capture c = Capture.start(second, resume, false, published)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() == 6 || c.failure() != null);
            assertThat(c.failure()).isNull();
            assertThat(c.handler.changes).extracting(e -> RecordingHandler.describe(e.position()))
                    .containsExactlyElementsOf(seen.subList(7, 13).stream()
                            .map(e -> RecordingHandler.describe(e.position())).toList());
            assertThat(c.handler.changes.get(0).after()).containsExactly(8, "v8");
            assertThat(c.handler.schemas).isEmpty();
            assertThat(c.handler.changes.get(0).schema()).isEqualTo(published.get(0));
        } finally {
            PG.dropSlot(slot);
        }
    }

    @Test
    void resumingAfterACompleteTransactionHandsOverOnlyLaterOnes() throws Exception {
        String slot = "resume_done_slot";
        PG.dropSlot(slot);
        PG.execute("CREATE TABLE resumed2 (id int PRIMARY KEY)");
        PostgresSource first = new PostgresSource(PG.sourceConfig(List.of("resumed2"), SnapshotMode.NEVER), slot);
        first.prepare();
        Map<String, Object> resume;
        List<io.ferry.core.TableSchema> published;
        try (Capture c = Capture.start(first, Map.of(), false)) {
            PG.execute("INSERT INTO resumed2 VALUES (1)", "INSERT INTO resumed2 VALUES (2)");
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() == 2);
            int at = c.handler.calls.indexOf(c.handler.changes.get(0));
            resume = RecordingHandler.describe((PgPosition) c.handler.calls.get(at + 1));
            published = List.copyOf(c.handler.schemas);
        }
        assertThat(resume).containsEntry(PgPosition.COMPLETE, true);
        try (Capture c = Capture.start(
                new PostgresSource(PG.sourceConfig(List.of("resumed2"), SnapshotMode.NEVER), slot), resume, false,
                published)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() == 1 || c.failure() != null);
            assertThat(c.failure()).isNull();
            assertThat(c.handler.changes.get(0).after()).containsExactly(2);
        } finally {
            PG.dropSlot(slot);
        }
    }
}
