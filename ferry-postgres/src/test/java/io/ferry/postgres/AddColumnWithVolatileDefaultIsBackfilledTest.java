package io.ferry.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Operation;
import io.ferry.core.RecordingHandler;
import io.ferry.core.TableSchema;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * ADD COLUMN with a volatile default gives every existing row a value the WAL never carries: the source reads the
 * rows again and hands them over as r events of the new schema, before the event that first uses it.
 */
class AddColumnWithVolatileDefaultIsBackfilledTest {

    private static final PostgresTestServer PG = PostgresTestServer.shared();

    private static Capture streaming(String slot, String table) {
        PG.dropSlot(slot);
        PostgresSource source = new PostgresSource(PG.sourceConfig(List.of(table), SnapshotMode.INITIAL), slot);
        return Capture.start(source, Map.of(), true);
    }

    @Test
    void everyExistingRowGetsTheSourcesExactNowAndUuidBeforeTheNextChange() throws Exception {
        PG.execute("CREATE TABLE volatile_default (id int PRIMARY KEY, v text)",
                "INSERT INTO volatile_default SELECT g, 'v' || g FROM generate_series(1, 25) g");
        try (Capture c = streaming("volatile_slot", "volatile_default")) {
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() == 25 || c.failure() != null);
            PG.execute("ALTER TABLE volatile_default ADD COLUMN at timestamptz DEFAULT now(),"
                            + " ADD COLUMN u uuid NOT NULL DEFAULT gen_random_uuid()",
                    "INSERT INTO volatile_default (id, v) VALUES (26, 'new')");
            await().atMost(Duration.ofSeconds(20)).until(() -> insertOf26(c) != null || c.failure() != null);
            assertThat(c.failure()).isNull();
            ChangeEvent insert = insertOf26(c);
            // The backfill reads the rows as they are when it runs, so it may already hold row 26 too.
            List<ChangeEvent> after = c.handler.changes.subList(25, c.handler.changes.indexOf(insert) + 1);
            TableSchema v2 = after.get(0).schema();
            assertThat(v2.columnNames()).containsExactly("id", "v", "at", "u");
            assertThat(c.handler.calls.indexOf(v2)).isLessThan(c.handler.calls.indexOf(after.get(0)));
            List<ChangeEvent> backfill = after.subList(0, after.size() - 1);
            assertThat(backfill).extracting(e -> e.after()[0]).containsAll(
                    java.util.stream.IntStream.rangeClosed(1, 25).boxed().toList());
            assertThat(backfill).allSatisfy(e -> {
                assertThat(e.op()).isEqualTo(Operation.READ);
                assertThat(e.schema()).isSameAs(v2);
                assertThat(RecordingHandler.describe(e.position())).containsEntry(PgPosition.BACKFILL,
                        "\"public\".\"volatile_default\"");
            });
            Map<Integer, List<Object>> source = SourceRows.byId(PG, "volatile_default");
            for (ChangeEvent e : after) {
                assertThat(List.of(e.after())).as("row %s", e.after()[0]).isEqualTo(source.get((Integer) e.after()[0]));
            }
            assertThat(source.values().stream().map(r -> r.get(3)).distinct()).hasSize(26);
            int commit = c.handler.calls.indexOf(insert) + 1;
            await().atMost(Duration.ofSeconds(10)).until(() -> c.handler.calls.size() > commit);
            assertThat(RecordingHandler.describe((PgPosition) c.handler.calls.get(commit)))
                    .doesNotContainKey(PgPosition.BACKFILL);
        } finally {
            PG.dropSlot("volatile_slot");
        }
    }

    private static ChangeEvent insertOf26(Capture c) {
        return c.handler.changes.stream().filter(e -> e.op() == Operation.CREATE && e.after()[0].equals(26))
                .findFirst().orElse(null);
    }

    @Test
    void aQuietTableIsBackfilledWithoutWaitingForItsNextChange() throws Exception {
        PG.execute("CREATE TABLE quiet_default (id int PRIMARY KEY)",
                "INSERT INTO quiet_default SELECT generate_series(1, 3)");
        try (Capture c = streaming("quiet_slot", "quiet_default")) {
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() == 3 || c.failure() != null);
            PG.execute("ALTER TABLE quiet_default ADD COLUMN at timestamptz NOT NULL DEFAULT clock_timestamp()");
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() >= 6 || c.failure() != null);
            assertThat(c.failure()).isNull();
            Map<Integer, List<Object>> source = SourceRows.byId(PG, "quiet_default");
            for (ChangeEvent e : c.handler.changes.subList(3, 6)) {
                assertThat(e.schema().columnNames()).containsExactly("id", "at");
                assertThat(List.of(e.after())).isEqualTo(source.get((Integer) e.after()[0]));
            }
        } finally {
            PG.dropSlot("quiet_slot");
        }
    }
}
