package io.ferry.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Operation;
import io.ferry.core.RecordingHandler;
import io.ferry.core.TableId;
import io.ferry.core.config.SourceConfig;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A snapshot interrupted by a crash goes on with its slot: a done table is not read again, a keyed table under way
 * is read on after the last key its committed position names (rows as they are now), a keyless one under way is
 * emptied and read again, and the stream then replays every change since the consistent point. Without the slot
 * the snapshot is redone whole.
 */
class InterruptedSnapshotResumesAtItsChunkTest {

    private static final PostgresTestServer PG = PostgresTestServer.shared();
    private static final String SLOT = "resume_chunk_slot";
    private static final int CHUNK = 500;
    private static final int BIG = 5_000;
    private static final int KEYLESS = 1_200;

    @Test
    void readsOnAfterTheLastChunkWithTheSameSlotAndRedoesOnlyWithoutIt() throws Exception {
        PG.dropSlot(SLOT);
        PG.execute("DROP TABLE IF EXISTS rs_big, rs_keyless, rs_small",
                "CREATE TABLE rs_big (id int PRIMARY KEY, v text)",
                "INSERT INTO rs_big SELECT g, 'v' || g FROM generate_series(1, " + BIG + ") g",
                "CREATE TABLE rs_keyless (a int, b text)", "ALTER TABLE rs_keyless REPLICA IDENTITY FULL",
                "INSERT INTO rs_keyless SELECT g % 100, 'b' FROM generate_series(1, " + KEYLESS + ") g",
                "CREATE TABLE rs_small (id int PRIMARY KEY)", "INSERT INTO rs_small VALUES (1), (2)");
        SourceConfig config = PG.sourceConfig(List.of("rs_*"), SnapshotMode.INITIAL).withSnapshotChunkRows(CHUNK);

        PostgresSource first = new PostgresSource(config, SLOT);
        StoppingHandler crash = new StoppingHandler(first, e -> e.table().table().equals("rs_big"), 1_200, false);
        first.prepare();
        first.run(Map.of(), crash);
        first.close();
        List<ChangeEvent> bigRows = crash.recorded.changesOf("rs_big");
        assertThat(bigRows.size()).isBetween(1_200, BIG - 1);
        // Inside a chunk the events carry the progress before it; the chunk's last event the progress after it.
        TableId big = new TableId("public", "rs_big");
        assertThat(progressOf(bigRows.get(CHUNK - 2), big)).isNull();
        assertThat(progressOf(bigRows.get(CHUNK - 1), big)).isEqualTo(new SnapshotProgress.Table(CHUNK, 1, "{\"500\"}", false));
        assertThat(progressOf(bigRows.get(CHUNK), big)).isEqualTo(new SnapshotProgress.Table(CHUNK, 1, "{\"500\"}", false));
        long consistentPoint = ((PgPosition) bigRows.get(0).position()).lsn;
        assertThat(PG.confirmedFlushLsn(SLOT)).isEqualTo(consistentPoint);

        TableId small = new TableId("public", "rs_small");
        // The committed position: inside big's 4th chunk, the keyless table one chunk in, rs_small done.
        SnapshotProgress committed = SnapshotProgress.NONE
                .afterChunk(big, 500, Backfill.keyText(new String[] {"500"}), false)
                .afterChunk(big, 1_000, Backfill.keyText(new String[] {"1000"}), false)
                .afterChunk(big, 1_500, Backfill.keyText(new String[] {"1500"}), false)
                .afterChunk(new TableId("public", "rs_keyless"), CHUNK, null, false)
                .afterChunk(small, 2, null, true);
        // That progress calls rs_small done, so an earlier run announced its schema; the crash above may have come
        // before it did, and a captured table without a published schema would join again through TableWatch.
        if (crash.recorded.published(small).isEmpty()) {
            crash.recorded.schemas.add(first.describeTables().stream().filter(t -> t.table().equals(small))
                    .findFirst().orElseThrow());
        }
        Map<String, Object> resume = RecordingHandler.describe(
                PgPosition.snapshotRow(consistentPoint, "public.rs_big", 1_700, committed));
        PG.execute("UPDATE rs_big SET v = 'new' WHERE id IN (10, 4000)", "DELETE FROM rs_big WHERE id = 4001",
                "INSERT INTO rs_keyless VALUES (7, 'late')");

        PostgresSource second = new PostgresSource(config, SLOT);
        second.prepare();
        try (Capture c = Capture.start(second, resume, true, crash.recorded.schemas)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> c.handler.calls.contains("flush") || c.failure() != null);
            assertThat(c.failure()).isNull();
            List<ChangeEvent> read = c.handler.changes.stream().filter(e -> e.op() == Operation.READ).toList();
            List<Object> bigIds = read.stream().filter(e -> e.table().table().equals("rs_big"))
                    .map(e -> e.after()[0]).toList();
            assertThat(bigIds).hasSize(BIG - 1_500 - 1).doesNotHaveDuplicates().doesNotContain(10, 1_500, 4_001)
                    .contains(1_501, 4_000, BIG);
            assertThat(read).filteredOn(e -> e.after()[0].equals(4_000) && e.table().table().equals("rs_big"))
                    .singleElement().satisfies(e -> assertThat(e.after()[1]).isEqualTo("new"));
            assertThat(read).noneMatch(e -> e.table().table().equals("rs_small"));
            List<ChangeEvent> keyless = c.handler.changesOf("rs_keyless");
            assertThat(keyless.get(0).op()).isEqualTo(Operation.TRUNCATE);
            assertThat(keyless.subList(1, keyless.size())).filteredOn(e -> e.op() == Operation.READ).hasSize(KEYLESS + 1);
            assertThat(c.source.status().phase()).isEqualTo("streaming");
            assertThat(c.handler.changes).noneMatch(e -> e.op() == Operation.READ && e.table().table().equals("rs_small"));
            SnapshotProgress.Table bigDone = second.status().tables().stream()
                    .filter(t -> t.table().equals(big)).findFirst()
                    .map(t -> new SnapshotProgress.Table(t.rowsDone(), t.chunksDone(), null, t.done())).orElseThrow();
            // 3 chunks before the crash, then 3,499 rows (one was deleted) in 7.
            assertThat(bigDone).isEqualTo(new SnapshotProgress.Table(BIG - 1, 10, null, true));
            // The stream replays from the consistent point: the changes made while Ferry was down follow.
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.stream()
                    .filter(e -> e.op() != Operation.READ && e.op() != Operation.TRUNCATE).count() >= 4);
            assertThat(c.handler.changes.stream().filter(e -> e.op() == Operation.UPDATE)
                    .map(e -> e.after()[0])).containsExactly(10, 4_000);
        }

        PG.execute("SELECT pg_drop_replication_slot('" + SLOT + "')");
        try (Capture redo = Capture.start(new PostgresSource(config, SLOT), resume, true)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> redo.handler.calls.contains("flush")
                    || redo.failure() != null);
            assertThat(redo.failure()).isNull();
            assertThat(redo.handler.changes).hasSize(BIG - 1 + KEYLESS + 1 + 2).allMatch(e -> e.op() == Operation.READ);
        } finally {
            PG.dropSlot(SLOT);
            PG.execute("DROP TABLE rs_big, rs_keyless, rs_small");
        }
    }

    private static SnapshotProgress.Table progressOf(ChangeEvent e, TableId table) {
        return ((PgPosition) e.position()).snapshotProgress.of(table);
    }
}
