package io.ferry.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.FerryException;
import io.ferry.core.Operation;
import io.ferry.core.RecordingHandler;
import io.ferry.core.RequestedCopies;
import io.ferry.core.SourcePosition;
import io.ferry.core.SourceStatus;
import io.ferry.core.TableId;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import io.ferry.core.config.SourceConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Copies requested while streaming are durable: the queue rides in the positions handed over, so a capture stopped
 * in the middle of the first table's copy finishes it after its last key on restart and then copies the next one,
 * reading no row twice. Requests naming tables that cannot be copied are refused, naming the table.
 */
class RequestedCopiesContinueAfterACrashTest {

    private static final PostgresTestServer PG = PostgresTestServer.shared();
    private static final String SLOT = "requested_copies_slot";
    private static final int A_ROWS = SourceConfig.DEFAULT_SNAPSHOT_CHUNK_ROWS + 2_000;
    private static final int B_ROWS = 50;
    private static final List<String> TABLES = List.of("rq_a", "rq_b");

    @Test
    void aStoppedQueueFinishesTheTableItWasCopyingThenCopiesTheRest() throws Exception {
        PG.dropSlot(SLOT);
        PG.execute("DROP TABLE IF EXISTS rq_a, rq_b, rq_keyless",
                "CREATE TABLE rq_a (id int PRIMARY KEY, v text)",
                "INSERT INTO rq_a SELECT g, 'a' || g FROM generate_series(1, " + A_ROWS + ") g",
                "CREATE TABLE rq_b (id int PRIMARY KEY, v text)",
                "INSERT INTO rq_b SELECT g, 'b' || g FROM generate_series(1, " + B_ROWS + ") g",
                "CREATE TABLE rq_keyless (v text)");
        PostgresSource first = new PostgresSource(PG.sourceConfig(TABLES, SnapshotMode.NEVER), SLOT);
        first.prepare();
        StoppingHandler stopping = new StoppingHandler(first, e -> e.op() == Operation.READ,
                SourceConfig.DEFAULT_SNAPSHOT_CHUNK_ROWS, true);
        Thread run = new Thread(() -> {
            try {
                first.run(Map.of(), stopping);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            run.start();
            // The queue is written with this run's newest boundary again: wait for the stream's first one.
            await().atMost(Duration.ofSeconds(20)).until(() -> !stopping.recorded.boundaries.isEmpty());

            assertThatThrownBy(() -> first.requestSnapshot(List.of("rq_nope"), TABLES))
                    .isInstanceOf(FerryException.class).hasMessageStartingWith("table \"public.rq_nope\" does not exist");
            assertThatThrownBy(() -> first.requestSnapshot(List.of("rq_keyless"), TABLES))
                    .isInstanceOf(FerryException.class).hasMessageContaining("table \"public.rq_keyless\" is not captured");
            assertThatThrownBy(() -> first.requestSnapshot(List.of("rq_keyless"), List.of("rq_*")))
                    .isInstanceOf(FerryException.class).hasMessageContaining("has no primary key and its REPLICA IDENTITY");
            assertThatThrownBy(() -> first.requestSnapshot(List.of("rq_*"), TABLES))
                    .isInstanceOf(FerryException.class).hasMessageContaining("is a pattern");

            assertThat(first.requestSnapshot(List.of("rq_a", "public.rq_b"), TABLES))
                    .containsExactly(new TableId("public", "rq_a"), new TableId("public", "rq_b"));
            run.join(60_000);
            first.close();

            List<ChangeEvent> firstRun = stopping.recorded.changes;
            assertThat(firstRun).hasSize(SourceConfig.DEFAULT_SNAPSHOT_CHUNK_ROWS).allMatch(e -> e.table().table().equals("rq_a"));
            // Written before any row was copied, so a crash at once loses neither.
            assertThat(stopping.recorded.boundaries).anySatisfy(b -> assertThat(RecordingHandler.describe(b))
                    .containsEntry(RequestedCopies.QUEUE, "{\"\\\"public\\\".\\\"rq_a\\\"\",\"\\\"public\\\".\\\"rq_b\\\"\"}"));
            Map<String, Object> resume = RecordingHandler.describe(firstRun.get(firstRun.size() - 1).position());
            assertThat(resume).containsEntry(PgPosition.BACKFILL, "\"public\".\"rq_a\"")
                    .containsEntry(PgPosition.BACKFILL_KEY, "{\"" + SourceConfig.DEFAULT_SNAPSHOT_CHUNK_ROWS + "\"}")
                    .containsEntry(RequestedCopies.QUEUE, "{\"\\\"public\\\".\\\"rq_b\\\"\"}");
            // Only resuming reads the queue: the events' own source block does not carry it.
            assertThat(RecordingHandler.describeEvent(firstRun.get(0).position())).doesNotContainKey(RequestedCopies.QUEUE);

            PostgresSource second = new PostgresSource(PG.sourceConfig(TABLES, SnapshotMode.NEVER), SLOT);
            try (Capture c = Capture.start(second, resume, true, stopping.recorded.schemas)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> c.failure() != null
                        || c.handler.changesOf("rq_b").size() == B_ROWS);
                assertThat(c.failure()).isNull();
                List<ChangeEvent> a = c.handler.changesOf("rq_a");
                assertThat(a).hasSize(A_ROWS - SourceConfig.DEFAULT_SNAPSHOT_CHUNK_ROWS);
                assertThat(a.get(0).after()[0]).isEqualTo(SourceConfig.DEFAULT_SNAPSHOT_CHUNK_ROWS + 1);
                assertThat(c.handler.changesOf("rq_b")).extracting(ChangeEvent::op).containsOnly(Operation.READ);
                await().atMost(Duration.ofSeconds(10)).until(() -> second.status().copies().isEmpty());
                SourcePosition last = c.handler.boundaries.get(c.handler.boundaries.size() - 1);
                assertThat(RecordingHandler.describe(last)).doesNotContainKey(RequestedCopies.QUEUE);
            }
        } finally {
            first.close();
            PG.dropSlot(SLOT);
        }
    }

    @Test
    void theQueueSurvivesNamesWithQuotesDotsAndCommas() {
        List<TableId> tables = List.of(new TableId("Sales Dept", "Order"), new TableId("public", "a.b,c"),
                new TableId("we\"ird", "t\\x"));
        assertThat(PgQueueText.INSTANCE.decode(PgQueueText.INSTANCE.encode(tables))).isEqualTo(tables);
        RequestedCopies copies = new RequestedCopies(PgQueueText.INSTANCE);
        copies.accept(List.of(new TableId("public", "late")));
        copies.restore(Map.of(RequestedCopies.QUEUE, PgQueueText.INSTANCE.encode(tables)));
        // What the resume position queued comes first; what this process accepted and never wrote follows.
        assertThat(copies.status()).extracting(SourceStatus.Copy::table).containsExactly(tables.get(0),
                tables.get(1), tables.get(2), new TableId("public", "late"));
        assertThat(copies.takeUnwritten()).isTrue();
        assertThat(copies.starting(tables.get(0))).isTrue();
        assertThat(copies.status().get(0)).isEqualTo(new SourceStatus.Copy(tables.get(0), true, 0));
    }
}
