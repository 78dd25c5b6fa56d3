package io.ferry.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Operation;
import io.ferry.core.RecordingHandler;
import io.ferry.core.TableSchema;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import io.ferry.mysql.MySqlTestServer.Flavor;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code ADD COLUMN ... DEFAULT CURRENT_TIMESTAMP(6)} fills existing rows without logging them: the source
 * re-reads them right after the new schema, so each existing row arrives with exactly the value the server
 * shows for it, whether the DDL ran while capture was running or while it was down.
 */
@ParameterizedClass
@EnumSource(Flavor.class)
class BackfillCurrentTimestampTest {

    private final MySqlTestServer db;

    BackfillCurrentTimestampTest(Flavor flavor) {
        db = MySqlTestServer.shared(flavor);
    }

    private Map<Integer, LocalDateTime> serverValues(String table) throws Exception {
        Map<Integer, LocalDateTime> out = new HashMap<>();
        try (var c = db.connect(); var st = c.createStatement();
             var rs = st.executeQuery("SELECT id, CAST(added AS CHAR) FROM " + table)) {
            while (rs.next()) {
                out.put(rs.getInt(1), LocalDateTime.parse(rs.getString(2).replace(' ', 'T')));
            }
        }
        return out;
    }

    private static Map<Integer, Object> backfilled(List<ChangeEvent> events, TableSchema schema) {
        Map<Integer, Object> out = new HashMap<>();
        for (ChangeEvent e : events) {
            if (e.op() == Operation.READ && e.schema() == schema) {
                assertThat(RecordingHandler.describe(e.position())).containsKey(MySqlPosition.BACKFILL);
                out.put((Integer) e.after()[0], e.after()[2]);
            }
        }
        return out;
    }

    @Test
    void whileRunningEachExistingRowGetsTheServersValue() throws Exception {
        db.execute("CREATE TABLE bf_run (id int PRIMARY KEY, v int)",
                "INSERT INTO bf_run VALUES (1, 1), (2, 2), (3, 3)");
        MySqlSource source = new MySqlSource(db.sourceConfig(List.of("bf_run"), SnapshotMode.INITIAL), 161);
        try (Capture c = Capture.start(source, Map.of(), true)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> source.status().phase().equals("streaming"));
            db.execute("UPDATE bf_run SET v = 20 WHERE id = 2",
                    "ALTER TABLE bf_run ADD COLUMN added datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)");
            await().atMost(Duration.ofSeconds(30)).until(() -> c.handler.schemas.size() == 2 && c.handler.changes
                    .stream().filter(e -> e.schema() == c.handler.schemas.get(1)).count() == 3 || c.failure() != null);
            assertThat(c.failure()).isNull();
            TableSchema v2 = c.handler.schemas.get(1);
            assertThat(v2.columnNames()).containsExactly("id", "v", "added");
            assertThat(backfilled(c.handler.changes, v2)).containsExactlyInAnyOrderEntriesOf(
                    new HashMap<>(serverValues("bf_run")));
            // The backfill comes right after the new schema, before any later change.
            int at = c.handler.calls.indexOf(v2);
            assertThat(c.handler.calls.subList(at + 1, at + 4)).allMatch(x -> x instanceof ChangeEvent e
                    && e.op() == Operation.READ);
            assertThat(c.handler.calls.get(at + 4)).isInstanceOfSatisfying(MySqlPosition.class,
                    p -> assertThat(p.backfill).isNull());
        }
    }

    @Test
    void whileDownTheFirstShapeAfterTheRestartBackfillsAgainstThePublishedOne() throws Exception {
        db.execute("CREATE TABLE bf_down (id int PRIMARY KEY, v int)", "INSERT INTO bf_down VALUES (1, 1), (2, 2)");
        MySqlSource first = new MySqlSource(db.sourceConfig(List.of("bf_down"), SnapshotMode.INITIAL), 162);
        Map<String, Object> resume;
        TableSchema published;
        try (Capture c = Capture.start(first, Map.of(), true)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> first.status().phase().equals("streaming"));
            resume = RecordingHandler.describe(c.handler.boundaries.get(c.handler.boundaries.size() - 1));
            published = c.handler.schemas.get(0);
        }
        db.execute("ALTER TABLE bf_down ADD COLUMN added datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)",
                "INSERT INTO bf_down (id, v) VALUES (3, 3)");
        MySqlSource second = new MySqlSource(db.sourceConfig(List.of("bf_down"), SnapshotMode.INITIAL), 162);
        RecordingHandler handler = new RecordingHandler(second);
        handler.earlierRuns.put(published.table(), published);
        try (Capture c = Capture.start(second, resume, handler)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> c.failure() != null || c.handler.changes.stream()
                    .anyMatch(e -> e.op() == Operation.CREATE));
            assertThat(c.failure()).isNull();
            TableSchema v2 = c.handler.schemas.get(0);
            assertThat(v2.columnNames()).containsExactly("id", "v", "added");
            assertThat(backfilled(c.handler.changes, v2)).containsExactlyInAnyOrderEntriesOf(
                    new HashMap<>(serverValues("bf_down")));
        }
    }
}
