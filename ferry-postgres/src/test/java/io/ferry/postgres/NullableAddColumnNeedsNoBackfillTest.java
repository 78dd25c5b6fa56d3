package io.ferry.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Operation;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A nullable ADD COLUMN without a default leaves every existing row NULL at the source, which the target's new
 * column holds already: no rows are read again. A default, or a value any row holds by the time the stream gets
 * there, keeps the backfill.
 */
class NullableAddColumnNeedsNoBackfillTest {

    private static final PostgresTestServer PG = PostgresTestServer.shared();

    @Test
    void onlyTheAddThatGaveRowsAValueIsBackfilled() throws Exception {
        PG.execute("CREATE TABLE nullable_add (id int PRIMARY KEY, v text)",
                "INSERT INTO nullable_add SELECT g, 'v' || g FROM generate_series(1, 20) g");
        PG.dropSlot("nullable_add_slot");
        PostgresSource source = new PostgresSource(PG.sourceConfig(List.of("nullable_add"), SnapshotMode.INITIAL),
                "nullable_add_slot");
        try (Capture c = Capture.start(source, Map.of(), true)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() == 20 || c.failure() != null);
            PG.execute("ALTER TABLE nullable_add ADD COLUMN note text, ADD COLUMN n bigint",
                    "INSERT INTO nullable_add (id, v) VALUES (21, 'new')");
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() >= 21 || c.failure() != null);
            // A default gives each existing row a value: those are read again.
            PG.execute("ALTER TABLE nullable_add ADD COLUMN flag int DEFAULT 7",
                    "INSERT INTO nullable_add (id, v) VALUES (22, 'newer')");
            await().atMost(Duration.ofSeconds(20)).until(() -> c.failure() != null || c.handler.changes.stream()
                    .anyMatch(e -> e.after()[0].equals(22)));
            assertThat(c.failure()).isNull();
            List<ChangeEvent> afterSnapshot = c.handler.changes.subList(20, c.handler.changes.size());
            assertThat(afterSnapshot.get(0).op()).isEqualTo(Operation.CREATE);
            assertThat(afterSnapshot.get(0).schema().columnNames()).containsExactly("id", "v", "note", "n");
            assertThat(afterSnapshot.get(0).after()).containsExactly(21, "new", null, null);
            List<ChangeEvent> reads = afterSnapshot.stream().filter(e -> e.op() == Operation.READ).toList();
            assertThat(reads).hasSizeGreaterThanOrEqualTo(21).allSatisfy(e -> {
                assertThat(e.schema().columnNames()).containsExactly("id", "v", "note", "n", "flag");
                assertThat(e.after()[4]).isEqualTo(7);
            });
        } finally {
            PG.dropSlot("nullable_add_slot");
        }
    }
}
