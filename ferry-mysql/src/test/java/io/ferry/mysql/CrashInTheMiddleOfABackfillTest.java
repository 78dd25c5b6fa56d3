package io.ferry.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Operation;
import io.ferry.core.RecordingHandler;
import io.ferry.core.TableSchema;
import io.ferry.core.config.SourceConfig;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import io.ferry.mysql.MySqlTestServer.Flavor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A restart from a position inside a backfill (as after a crash once part of it was committed) reads the table
 * again from the chunk the crash was in, alongside the stream, reconciled by watermarks: applying what the first run
 * committed and then everything the second hands over ends with every row exactly as the source has it.
 */
@ParameterizedClass
@EnumSource(Flavor.class)
class CrashInTheMiddleOfABackfillTest {

    private static final int ROWS = 25_000;

    private final MySqlTestServer db;

    CrashInTheMiddleOfABackfillTest(Flavor flavor) {
        db = MySqlTestServer.shared(flavor);
    }

    @Test
    void theRestartGoesOnFromTheChunkAlongsideTheStream() throws Exception {
        db.execute("CREATE TABLE bf_crash (id int PRIMARY KEY, v int)", db.allowRecursion(ROWS),
                "INSERT INTO bf_crash WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < "
                        + ROWS + ") SELECT i, i FROM g");
        MySqlSource first = new MySqlSource(db.sourceConfig(List.of("bf_crash"), SnapshotMode.NEVER), 191);
        List<ChangeEvent> committed;
        TableSchema v2;
        Map<String, Object> crashedAt;
        try (Capture c = Capture.start(first, Map.of(), true)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> first.status().phase().equals("streaming"));
            db.execute("INSERT INTO bf_crash VALUES (0, 0)",
                    "ALTER TABLE bf_crash ADD COLUMN c int NOT NULL DEFAULT 7");
            await().atMost(Duration.ofSeconds(60)).until(() -> c.handler.changes.size() == ROWS + 2
                    || c.failure() != null);
            assertThat(c.failure()).isNull();
            v2 = c.handler.schemas.get(c.handler.schemas.size() - 1);
            // The crash: what was committed ends in the middle of the backfill.
            committed = new ArrayList<>(c.handler.changes.subList(0, 12_001));
            crashedAt = RecordingHandler.describe(committed.get(committed.size() - 1).position());
            assertThat(crashedAt).containsEntry(MySqlPosition.BACKFILL, "ferry.bf_crash")
                    .containsEntry(MySqlPosition.BACKFILL_ROWS, 12_000L);
        }
        db.execute("UPDATE bf_crash SET c = 8, v = -5 WHERE id = 5", "DELETE FROM bf_crash WHERE id = 6");
        MySqlSource second = new MySqlSource(db.sourceConfig(List.of("bf_crash"), SnapshotMode.NEVER), 191);
        RecordingHandler handler = new RecordingHandler(second);
        handler.earlierRuns.put(v2.table(), v2);
        try (Capture c = Capture.start(second, crashedAt, handler)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> c.failure() != null || c.handler.changes.stream()
                    .anyMatch(e -> e.op() == Operation.DELETE) && second.status().copies().isEmpty());
            assertThat(c.failure()).isNull();
            List<ChangeEvent> again = c.handler.changes;
            // The backfill goes on from the chunk the crash was in: rows 10,001 to 25,001 (id 0 is the first row).
            int reread = ROWS + 1 - SourceConfig.DEFAULT_SNAPSHOT_CHUNK_ROWS;
            List<ChangeEvent> reads = again.stream().filter(e -> e.op() == Operation.READ).toList();
            assertThat(reads).hasSize(reread).allMatch(e -> RecordingHandler.describe(e.position())
                    .containsKey(MySqlPosition.BACKFILL));
            assertThat(reads.get(0).after()[0]).isEqualTo(SourceConfig.DEFAULT_SNAPSHOT_CHUNK_ROWS);
            assertThat(((MySqlPosition) c.handler.boundaries.get(c.handler.boundaries.size() - 1)).backfill)
                    .as("the copy is done").isNull();
            Map<Object, List<Object>> target = new HashMap<>();
            List<ChangeEvent> all = new ArrayList<>(committed);
            all.addAll(again);
            for (ChangeEvent e : all) {
                if (e.op() == Operation.DELETE) {
                    target.remove(e.before()[0]);
                } else if (e.schema().columnNames().size() == 3) {
                    target.put(e.after()[0], List.of(e.after()));
                } else {
                    target.put(e.after()[0], List.of(e.after()[0], e.after()[1], "not backfilled"));
                }
            }
            Map<Object, List<Object>> source = new HashMap<>();
            try (var conn = db.connect(); var st = conn.createStatement();
                 var rs = st.executeQuery("SELECT id, v, c FROM bf_crash")) {
                while (rs.next()) {
                    source.put(rs.getInt(1), List.of(rs.getInt(1), rs.getInt(2), rs.getInt(3)));
                }
            }
            assertThat(target).hasSize(ROWS).isEqualTo(source);
        }
    }
}
