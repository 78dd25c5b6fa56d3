package io.ferry.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.FerryException;
import io.ferry.core.Operation;
import io.ferry.core.RecordingHandler;
import io.ferry.core.RequestedCopies;
import io.ferry.core.TableId;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import io.ferry.mysql.MySqlTestServer.Flavor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tables copied on request while the MariaDB binlog streams: a captured table and one that joins are validated,
 * queued and copied at a transaction boundary; a crash in the middle of the first copy keeps the second queued in
 * the committed position, and the restart finishes both: the first from the chunk it was in, the joined table's
 * rows exactly once.
 */
class RequestedCopiesContinueAfterACrashTest {

    private static final int ROWS = 3_000;
    private static final int JOINED_ROWS = 300;
    private static final int CHUNK = 500;

    private final MySqlTestServer db = MySqlTestServer.shared(Flavor.MARIADB);

    @Test
    void theQueueSurvivesACrashInTheMiddleOfACopy() throws Exception {
        db.execute("CREATE TABLE rq_a (id int PRIMARY KEY, v int)", "CREATE TABLE rq_b (id int PRIMARY KEY, v int)",
                db.allowRecursion(ROWS),
                "INSERT INTO rq_a WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < " + ROWS
                        + ") SELECT i, i FROM g",
                "INSERT INTO rq_b WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < "
                        + JOINED_ROWS + ") SELECT i, -i FROM g");
        MySqlSource first = new MySqlSource(db.sourceConfig(List.of("rq_a"), SnapshotMode.NEVER), 193, CHUNK);
        List<ChangeEvent> committed;
        Map<String, Object> crashedAt;
        try (Capture c = Capture.start(first, Map.of(), true)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> first.status().phase().equals("streaming"));
            assertThatThrownBy(() -> first.requestSnapshot(List.of("rq_none"), List.of("rq_a")))
                    .isInstanceOf(FerryException.class).hasMessageContaining("does not exist");
            assertThatThrownBy(() -> first.requestSnapshot(List.of("rq_b"), List.of("rq_a")))
                    .isInstanceOf(FerryException.class).hasMessageContaining("add it to source.tables");
            assertThat(first.requestSnapshot(List.of("rq_a", "rq_b"), List.of("rq_a", "rq_b")))
                    .containsExactly(new TableId("ferry", "rq_a"), new TableId("ferry", "rq_b"));
            await().atMost(Duration.ofSeconds(30)).until(() -> c.failure() != null
                    || reads(c.handler.changes, "rq_b") == JOINED_ROWS && first.status().copies().isEmpty());
            assertThat(c.failure()).isNull();
            assertThat(reads(c.handler.changes, "rq_a")).isEqualTo(ROWS);
            // The crash: what was committed ends in the middle of rq_a's copy, rq_b still queued.
            // Inside a chunk: only a chunk's last row carries the key it ends at.
            int cut = indexOfRead(c.handler.changes, "rq_a", ROWS / 2 - CHUNK / 2);
            committed = new ArrayList<>(c.handler.changes.subList(0, cut + 1));
            crashedAt = RecordingHandler.describe(committed.get(cut).position());
            assertThat(crashedAt).containsEntry(MySqlPosition.BACKFILL, "ferry.rq_a")
                    .containsEntry(RequestedCopies.QUEUE, "\"ferry\".\"rq_b\"");
            assertThat(RecordingHandler.describe(c.handler.boundaries.get(c.handler.boundaries.size() - 1)))
                    .doesNotContainKey(RequestedCopies.QUEUE);
        }
        db.execute("UPDATE rq_b SET v = 5 WHERE id = 5");
        MySqlSource second = new MySqlSource(db.sourceConfig(List.of("rq_a", "rq_b"), SnapshotMode.NEVER), 193,
                CHUNK);
        RecordingHandler handler = new RecordingHandler(second);
        for (ChangeEvent e : committed) {
            handler.earlierRuns.put(e.schema().table(), e.schema());
        }
        try (Capture c = Capture.start(second, crashedAt, handler)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> c.failure() != null
                    || c.handler.changes.stream().anyMatch(e -> e.op() == Operation.UPDATE)
                    && reads(c.handler.changes, "rq_b") == JOINED_ROWS && second.status().copies().isEmpty());
            assertThat(c.failure()).isNull();
            List<ChangeEvent> all = new ArrayList<>(committed);
            all.addAll(c.handler.changes);
            assertThat(reads(all, "rq_b")).isEqualTo(JOINED_ROWS);
            assertThat(all.stream().filter(e -> e.op() == Operation.READ && e.table().table().equals("rq_b"))
                    .map(e -> e.after()[0]).distinct().count()).isEqualTo(JOINED_ROWS);
            Map<Object, List<Object>> target = new HashMap<>();
            for (ChangeEvent e : all) {
                if (e.table().table().equals("rq_b")) {
                    target.put(e.after()[0], List.of(e.after()));
                }
            }
            assertThat(target.get(5)).containsExactly(5, 5);
            assertThat(target).hasSize(JOINED_ROWS);
            assertThat(second.status().copies()).isEmpty();
            // rq_a goes on from the start of the chunk the crash interrupted (row 1,250 is in rows 1,001-1,500).
            assertThat(reads(c.handler.changes, "rq_a")).isEqualTo(ROWS - (ROWS / 2 - CHUNK));
            assertThat(c.handler.changes.stream().filter(e -> e.op() == Operation.READ
                    && e.table().table().equals("rq_a")).mapToInt(e -> (Integer) e.after()[0]).min().orElseThrow())
                    .isEqualTo(ROWS / 2 - CHUNK + 1);
        }
    }

    private static long reads(List<ChangeEvent> events, String table) {
        return events.stream().filter(e -> e.op() == Operation.READ && e.table().table().equals(table)).count();
    }

    private static int indexOfRead(List<ChangeEvent> events, String table, int nth) {
        int seen = 0;
        for (int i = 0; i < events.size(); i++) {
            ChangeEvent e = events.get(i);
            if (e.op() == Operation.READ && e.table().table().equals(table) && ++seen == nth) {
                return i;
            }
        }
        throw new AssertionError("fewer than " + nth + " reads of " + table);
    }
}
