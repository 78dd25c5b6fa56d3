package io.ferry.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Column;
import io.ferry.core.ColumnType;
import io.ferry.core.Operation;
import io.ferry.core.RecordingHandler;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A capture stopped in the middle of a backfill resumes from the last event it handed over: it goes on with the
 * backfill after the last key that position names, alongside the stream, and no row is missing.
 */
class BackfillInterruptedByACrashIsFinishedOnRestartTest {

    private static final PostgresTestServer PG = PostgresTestServer.shared();
    private static final String SLOT = "crash_backfill_slot";
    private static final int ROWS = 25_000;

    @Test
    void restartingFromABackfillPositionFinishesTheTableAndLosesNoRow() throws Exception {
        PG.dropSlot(SLOT);
        PG.execute("CREATE TABLE crash_backfill (id int PRIMARY KEY, v text)",
                "INSERT INTO crash_backfill SELECT g, 'v' || g FROM generate_series(1, " + ROWS + ") g");
        PostgresSource first = new PostgresSource(PG.sourceConfig(List.of("crash_backfill"), SnapshotMode.NEVER), SLOT);
        first.prepare();
        StoppingHandler stopping = new StoppingHandler(first,
                e -> RecordingHandler.describe(e.position()).containsKey(PgPosition.BACKFILL), 10_000, true);
        // The first run has published the table's old shape, as an earlier snapshot would have.
        stopping.recorded.earlierRuns.put(new TableId("public", "crash_backfill"), new TableSchema(
                new TableId("public", "crash_backfill"), 1, List.of(
                        new Column("id", ColumnType.of(TypeKind.INT32, "integer"), false, 1),
                        new Column("v", ColumnType.of(TypeKind.TEXT, "text"), true, 2)), List.of("id")));
        Thread run = new Thread(() -> {
            try {
                first.run(Map.of(), stopping);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            run.start();
            // One transaction: the stream's Relation message, not the catalog watch, starts the backfill.
            PG.execute("BEGIN; ALTER TABLE crash_backfill ADD COLUMN at timestamptz NOT NULL DEFAULT clock_timestamp();"
                    + " UPDATE crash_backfill SET v = 'changed' WHERE id = " + ROWS + "; COMMIT");
            run.join(60_000);
            first.close();
            List<ChangeEvent> firstEvents = stopping.recorded.changes;
            assertThat(firstEvents).hasSize(10_000);
            ChangeEvent last = firstEvents.get(firstEvents.size() - 1);
            Map<String, Object> resume = RecordingHandler.describe(last.position());
            assertThat(resume).containsEntry(PgPosition.BACKFILL, "\"public\".\"crash_backfill\"")
                    .containsEntry(PgPosition.BACKFILL_KEY, "{\"10000\"}");

            PostgresSource second = new PostgresSource(
                    PG.sourceConfig(List.of("crash_backfill"), SnapshotMode.NEVER), SLOT);
            try (Capture c = Capture.start(second, resume, true, stopping.recorded.schemas)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> c.failure() != null
                        || (second.status().copies().isEmpty() && c.handler.changes.stream()
                        .anyMatch(e -> e.op() == Operation.UPDATE)));
                assertThat(c.failure()).isNull();
                List<ChangeEvent> again = c.handler.changes;
                assertThat(again).filteredOn(e -> e.op() == Operation.READ).first()
                        .satisfies(e -> assertThat(e.after()[0]).isEqualTo(10_001));
                Set<Object> ids = new HashSet<>();
                Map<Integer, List<Object>> source = SourceRows.byId(PG, "crash_backfill");
                for (ChangeEvent e : firstEvents) {
                    ids.add(e.after()[0]);
                    assertThat(e.after()[2]).isEqualTo(source.get((Integer) e.after()[0]).get(2));
                }
                // The rest of the backfill goes on alongside the stream: the UPDATE the crashed transaction still
                // held arrives among its chunks, and no row read after it carries an older value.
                assertThat(again).filteredOn(e -> e.op() == Operation.UPDATE).hasSize(1);
                for (ChangeEvent e : again) {
                    ids.add(e.after()[0]);
                    assertThat(e.after()[1]).isEqualTo(source.get((Integer) e.after()[0]).get(1));
                    assertThat(e.after()[2]).isEqualTo(source.get((Integer) e.after()[0]).get(2));
                }
                assertThat(ids).hasSize(ROWS);
                assertThat(c.handler.schemas).isEmpty();
            }
        } finally {
            first.close();
            PG.dropSlot(SLOT);
        }
    }
}
