package io.ferry.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.Column;
import io.ferry.core.RecordingHandler;
import io.ferry.core.TableSchema;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import io.ferry.mysql.MySqlTestServer.Flavor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A renamed column keeps its {@link Column#id()}, whether the rename happens while capture runs or while it is
 * down (the ALTER TABLE is still in the binlog after the resume position); new columns get new ids.
 */
@ParameterizedClass
@EnumSource(Flavor.class)
class RenameKeepsColumnIdTest {

    private final MySqlTestServer db;

    RenameKeepsColumnIdTest(Flavor flavor) {
        db = MySqlTestServer.shared(flavor);
    }

    private static String ids(TableSchema s) {
        return s.columns().stream().map(c -> c.name() + "=" + c.id()).toList().toString();
    }

    @Test
    void renamesWhileRunningKeepIdsAndAddsGetNewOnes() throws Exception {
        db.execute("CREATE TABLE ren_run (id int PRIMARY KEY, a int, b varchar(5))", "INSERT INTO ren_run VALUES (1, 1, 'x')");
        MySqlSource source = new MySqlSource(db.sourceConfig(List.of("ren_run"), SnapshotMode.INITIAL), 141);
        try (Capture c = Capture.start(source, Map.of(), true)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> source.status().phase().equals("streaming"));
            db.execute("ALTER TABLE ren_run RENAME COLUMN a TO `A 2`", "INSERT INTO ren_run VALUES (2, 2, 'y')",
                    "ALTER TABLE ren_run CHANGE b bb varchar(5), ADD COLUMN c int",
                    "INSERT INTO ren_run VALUES (3, 3, 'z', 3)",
                    "ALTER TABLE ren_run DROP COLUMN c", "ALTER TABLE ren_run ADD COLUMN c int",
                    "INSERT INTO ren_run VALUES (4, 4, 'w', 4)");
            await().atMost(Duration.ofSeconds(30)).until(() -> c.failure() != null || c.handler.changes.stream()
                    .anyMatch(e -> e.after() != null && e.after()[0].equals(4)));
            assertThat(c.failure()).isNull();
            List<String> shapes = c.handler.schemas.stream().map(RenameKeepsColumnIdTest::ids).distinct().toList();
            assertThat(shapes).containsSubsequence(
                    "[id=1, a=2, b=3]",
                    "[id=1, A 2=2, b=3]",
                    "[id=1, A 2=2, bb=3, c=4]",
                    // Dropped and added again: another column, with a new id (the shape between the two may or
                    // may not be announced, as the catalog had already moved on when the DROP was read).
                    "[id=1, A 2=2, bb=3, c=5]");
        }
    }

    @Test
    void aRenameWhileCaptureWasDownKeepsTheIdPublishedByTheEarlierRun() throws Exception {
        db.execute("CREATE TABLE ren_down (id int PRIMARY KEY, a int, b int)");
        MySqlSource first = new MySqlSource(db.sourceConfig(List.of("ren_down"), SnapshotMode.NEVER), 142);
        Map<String, Object> resume;
        TableSchema published;
        try (Capture c = Capture.start(first, Map.of(), true)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> first.status().phase().equals("streaming"));
            db.execute("INSERT INTO ren_down VALUES (1, 1, 1)");
            await().atMost(Duration.ofSeconds(30)).until(() -> c.handler.changes.size() == 1 || c.failure() != null);
            await().atMost(Duration.ofSeconds(10)).until(() -> c.handler.calls.get(c.handler.calls.size() - 1)
                    instanceof MySqlPosition p && p.complete);
            resume = RecordingHandler.describe(c.handler.boundaries.get(c.handler.boundaries.size() - 1));
            published = c.handler.schemas.get(c.handler.schemas.size() - 1);
        }
        // An earlier run published ids that are not 1..n, as after earlier drops and adds.
        published = new TableSchema(published.table(), 7, List.of(published.columns().get(0).withId(1),
                published.columns().get(1).withId(5), published.columns().get(2).withId(9)), published.primaryKey());
        db.execute("ALTER TABLE ren_down RENAME COLUMN a TO a_new", "INSERT INTO ren_down VALUES (2, 2, 2)",
                "ALTER TABLE ren_down CHANGE COLUMN `b` `B` bigint", "INSERT INTO ren_down VALUES (3, 3, 3)");
        MySqlSource second = new MySqlSource(db.sourceConfig(List.of("ren_down"), SnapshotMode.NEVER), 142);
        RecordingHandler handler = new RecordingHandler(second);
        handler.earlierRuns.put(published.table(), published);
        try (Capture c = Capture.start(second, resume, handler)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> c.handler.changesOf("ren_down").stream()
                    .anyMatch(e -> e.after() != null && e.after()[0].equals(3)) || c.failure() != null);
            assertThat(c.failure()).isNull();
            assertThat(c.handler.schemas.stream().map(RenameKeepsColumnIdTest::ids).distinct().toList())
                    .containsSubsequence("[id=1, a_new=5, b=9]", "[id=1, a_new=5, B=9]")
                    .allMatch(s -> !s.contains("=10"));
        }
    }
}
