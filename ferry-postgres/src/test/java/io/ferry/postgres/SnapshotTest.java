package io.ferry.postgres;

import io.ferry.core.RecordingHandler;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Operation;
import io.ferry.core.SourceStatus;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The initial snapshot copies every row once, consistently with where streaming starts. */
class SnapshotTest {

    private static final PostgresTestServer PG = PostgresTestServer.shared();

    @Test
    void aMultiChunkTableWithACompositeKeyIsCopiedExactlyOnceAndStreamingContinuesAfterIt() throws Exception {
        String slot = "snap_slot";
        PG.dropSlot(slot);
        PG.execute("CREATE TABLE snap_big (a int, b text, v int, PRIMARY KEY (a, b))",
                "INSERT INTO snap_big SELECT g % 7, 'k' || g, g FROM generate_series(1, 25000) g",
                "CREATE TABLE snap_small (id int PRIMARY KEY)", "INSERT INTO snap_small VALUES (1), (2)",
                "ANALYZE snap_big");
        PostgresSource source = new PostgresSource(PG.sourceConfig(List.of("snap_*"), SnapshotMode.INITIAL), slot);
        source.prepare();
        try (Capture c = Capture.start(source, Map.of(), true)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> c.handler.calls.contains("flush") || c.failure() != null);
            assertThat(c.failure()).isNull();
            PG.execute("INSERT INTO snap_small VALUES (3)");
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() == 25003);
            List<ChangeEvent> big = c.handler.changesOf("snap_big");
            assertThat(big).hasSize(25000).allMatch(e -> e.op() == Operation.READ);
            Set<Object> values = big.stream().map(e -> e.after()[2]).collect(Collectors.toSet());
            assertThat(values).hasSize(25000);
            int flush = c.handler.calls.indexOf("flush");
            PgPosition done = (PgPosition) c.handler.calls.get(flush - 1);
            assertThat(RecordingHandler.describe(done)).containsEntry(PgPosition.SNAPSHOT_DONE, true);
            ChangeEvent streamed = c.handler.changes.get(25002);
            assertThat(streamed.op()).isEqualTo(Operation.CREATE);
            assertThat(streamed.after()).containsExactly(3);
            assertThat(c.handler.schemas).hasSize(2);
            SourceStatus status = source.status();
            assertThat(status.phase()).isEqualTo("streaming");
            assertThat(status.tables()).allMatch(SourceStatus.TableProgress::done);
            assertThat(status.tables()).anySatisfy(t -> {
                assertThat(t.rowsDone()).isEqualTo(25000);
                assertThat(t.rowsEstimated()).isBetween(20000L, 30000L);
            });
        }

        Map<String, Object> interrupted = new HashMap<>(RecordingHandler.describe(
                PgPosition.snapshotRow(1, "public.snap_big", 100, null)));
        try (Capture again = Capture.start(new PostgresSource(PG.sourceConfig(List.of("snap_*"), SnapshotMode.INITIAL),
                slot), interrupted, true)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> again.handler.calls.contains("flush")
                    || again.failure() != null);
            assertThat(again.failure()).isNull();
            assertThat(again.handler.changes).hasSize(25003).allMatch(e -> e.op() == Operation.READ);
        } finally {
            PG.dropSlot(slot);
        }
    }
}
