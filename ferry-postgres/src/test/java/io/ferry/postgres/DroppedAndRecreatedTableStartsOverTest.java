package io.ferry.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Column;
import io.ferry.core.Operation;
import io.ferry.core.TableSchema;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A table dropped and created again under the same name is another table (another oid, attnums from 1 again): the
 * target sees a TRUNCATE of the old rows, the new shape with column ids 0 (so it is matched to the old one by column
 * name, never by attnum), then the new table's rows.
 */
class DroppedAndRecreatedTableStartsOverTest {

    private static final PostgresTestServer PG = PostgresTestServer.shared();
    private static final String SLOT = "recreated_slot";

    @Test
    void theOldRowsAreTruncatedAndTheNewTableIsReadFromItsFirstRow() throws Exception {
        PG.dropSlot(SLOT);
        PG.execute("CREATE TABLE recreated (id int PRIMARY KEY, v text)", "INSERT INTO recreated VALUES (1, 'old')");
        try (Capture c = Capture.start(new PostgresSource(PG.sourceConfig(List.of("recreated"), SnapshotMode.INITIAL),
                SLOT), Map.of(), true)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() == 1 || c.failure() != null);
            TableSchema old = c.handler.schemas.get(0);
            // The new table's first row is there when the capture first sees the table.
            PG.execute("DROP TABLE recreated", "BEGIN; CREATE TABLE recreated (id int PRIMARY KEY, w int, v text);"
                    + " INSERT INTO recreated VALUES (5, 50, 'new'); COMMIT");
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() == 3 || c.failure() != null);
            PG.execute("INSERT INTO recreated VALUES (6, 60, 'newer')");
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() == 4 || c.failure() != null);
            assertThat(c.failure()).isNull();
            List<ChangeEvent> events = c.handler.changes;
            assertThat(events.get(1).op()).isEqualTo(Operation.TRUNCATE);
            assertThat(events.get(1).schema()).isSameAs(old);
            TableSchema replacement = events.get(2).schema();
            assertThat(replacement.columnNames()).containsExactly("id", "w", "v");
            assertThat(replacement.columns()).extracting(Column::id).containsOnly(0);
            assertThat(events.get(2).op()).isEqualTo(Operation.READ);
            assertThat(events.get(2).after()).containsExactly(5, 50, "new");
            assertThat(events.get(3).op()).isEqualTo(Operation.CREATE);
            assertThat(events.get(3).after()).containsExactly(6, 60, "newer");
        } finally {
            PG.dropSlot(SLOT);
        }
    }
}
