package io.ferry.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.Column;
import io.ferry.core.TableSchema;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import io.ferry.core.schema.SchemaDiff;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Columns carry their attnum, so a RENAME COLUMN reaches the sink as a rename of the same column. */
class RenamedColumnKeepsItsIdTest {

    private static final PostgresTestServer PG = PostgresTestServer.shared();

    @Test
    void snapshotColumnsCarryTheirAttnumAndARenameKeepsIt() throws Exception {
        String slot = "rename_col_slot";
        PG.dropSlot(slot);
        PG.execute("CREATE TABLE renamed_col (id int PRIMARY KEY, gone int, a text, b int)",
                "ALTER TABLE renamed_col DROP COLUMN gone", "INSERT INTO renamed_col VALUES (1, 'x', 2)");
        PostgresSource source = new PostgresSource(PG.sourceConfig(List.of("renamed_col"), SnapshotMode.INITIAL), slot);
        try (Capture c = Capture.start(source, Map.of(), true)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() == 1 || c.failure() != null);
            TableSchema v1 = c.handler.schemas.get(0);
            assertThat(v1.columns()).extracting(Column::id).containsExactly(1, 3, 4);

            PG.execute("ALTER TABLE renamed_col RENAME COLUMN a TO a2", "INSERT INTO renamed_col VALUES (2, 'y', 3)");
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() == 2 || c.failure() != null);
            assertThat(c.failure()).isNull();
            TableSchema v2 = c.handler.changes.get(1).schema();
            assertThat(v2.columns()).extracting(Column::name).containsExactly("id", "a2", "b");
            assertThat(v2.columns()).extracting(Column::id).containsExactly(1, 3, 4);
            SchemaDiff diff = SchemaDiff.between(v1, v2);
            assertThat(diff.changes())
                    .containsExactly(new SchemaDiff.Renamed(v1.columns().get(1), v2.columns().get(1)));
            assertThat(diff.rewritesRows()).isFalse();
            assertThat(c.handler.changes.get(1).after()).containsExactly(2, "y", 3);
        } finally {
            PG.dropSlot(slot);
        }
    }
}
