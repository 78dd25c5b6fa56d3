package io.ferry.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Column;
import io.ferry.core.Operation;
import io.ferry.core.RecordingHandler;
import io.ferry.core.SourcePosition;
import io.ferry.core.TableSchema;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import io.ferry.core.schema.SchemaDiff;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * DDL made while the capture is stopped, with no row written after it, is found on restart by comparing the catalog
 * with the schemas the pipeline published: the new shape is announced (a rename as a rename) and the rows the change
 * rewrote are backfilled. A table created meanwhile that matches a pattern joins with its rows.
 */
class SchemaChangedWhileStoppedIsSeenOnRestartTest {

    private static final PostgresTestServer PG = PostgresTestServer.shared();
    private static final String SLOT = "stopped_ddl_slot";

    @Test
    void theRestartAnnouncesTheNewShapeAndBackfillsTheRewrittenRows() throws Exception {
        PG.dropSlot(SLOT);
        PG.execute("CREATE TABLE paused_t (id int PRIMARY KEY, a text, b varchar(10))",
                "INSERT INTO paused_t VALUES (1, 'x', 'b1'), (2, 'y', 'b2')");
        List<TableSchema> published;
        Map<String, Object> resume;
        try (Capture c = Capture.start(new PostgresSource(PG.sourceConfig(List.of("paused_*"), SnapshotMode.INITIAL),
                SLOT), Map.of(), true)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() == 2 || c.failure() != null);
            PG.execute("INSERT INTO paused_t VALUES (3, 'z', 'b3')");
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.boundaries.stream()
                    .anyMatch(p -> ((PgPosition) p).complete) || c.failure() != null);
            assertThat(c.failure()).isNull();
            published = List.copyOf(c.handler.schemas);
            List<SourcePosition> boundaries = c.handler.boundaries;
            resume = RecordingHandler.describe(boundaries.get(boundaries.size() - 1));
        }
        PG.execute("ALTER TABLE paused_t RENAME COLUMN a TO a2", "ALTER TABLE paused_t ALTER COLUMN b TYPE varchar(20)",
                "ALTER TABLE paused_t ADD COLUMN c int NOT NULL DEFAULT 5",
                "BEGIN; CREATE TABLE paused_new (id int PRIMARY KEY); INSERT INTO paused_new VALUES (9); COMMIT");

        try (Capture c = Capture.start(new PostgresSource(PG.sourceConfig(List.of("paused_*"), SnapshotMode.INITIAL),
                SLOT), resume, true, published)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> c.failure() != null
                    || (c.handler.changesOf("paused_t").size() >= 3 && c.handler.changesOf("paused_new").size() == 1));
            assertThat(c.failure()).isNull();
            TableSchema before = published.get(0);
            TableSchema after = c.handler.schemas.stream().filter(s -> s.table().table().equals("paused_t"))
                    .findFirst().orElseThrow();
            assertThat(after.columns()).extracting(Column::name).containsExactly("id", "a2", "b", "c");
            assertThat(SchemaDiff.between(before, after).changes()).extracting(ch -> ch.getClass().getSimpleName())
                    .containsExactly("Renamed", "Retyped", "Added");
            assertThat(c.handler.changesOf("paused_t")).allMatch(e -> e.op() == Operation.READ)
                    .extracting(e -> List.of(e.after())).containsExactly(List.of(1, "x", "b1", 5),
                            List.of(2, "y", "b2", 5), List.of(3, "z", "b3", 5));
            ChangeEvent joined = c.handler.changesOf("paused_new").get(0);
            assertThat(joined.op()).isEqualTo(Operation.READ);
            assertThat(joined.after()).containsExactly(9);
        } finally {
            PG.dropSlot(SLOT);
        }
    }
}
