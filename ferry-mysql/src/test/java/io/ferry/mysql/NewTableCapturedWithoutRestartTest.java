package io.ferry.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Operation;
import io.ferry.core.RecordingHandler;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import io.ferry.mysql.MySqlTestServer.Flavor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A table created later that matches a {@code source.tables} pattern is captured from its first row, whether it
 * was created while capture runs or while it was down; a table renamed into the pattern brings its rows along.
 */
@ParameterizedClass
@EnumSource(Flavor.class)
class NewTableCapturedWithoutRestartTest {

    private final MySqlTestServer db;

    NewTableCapturedWithoutRestartTest(Flavor flavor) {
        db = MySqlTestServer.shared(flavor);
    }

    private static List<Object> ids(List<ChangeEvent> events) {
        return events.stream().map(e -> e.after()[0]).toList();
    }

    @Test
    void tablesCreatedWhileRunningAndWhileDownAreCapturedFromTheirFirstRow() throws Exception {
        db.execute("CREATE TABLE nt_base (id int PRIMARY KEY)", "CREATE TABLE outside_nt (id int PRIMARY KEY, v int)",
                "INSERT INTO outside_nt VALUES (1, 1), (2, 2)");
        MySqlSource first = new MySqlSource(db.sourceConfig(List.of("nt_*"), SnapshotMode.INITIAL), 171);
        Map<String, Object> resume;
        try (Capture c = Capture.start(first, Map.of(), true)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> first.status().phase().equals("streaming"));
            db.execute("CREATE TABLE nt_running (id int PRIMARY KEY, v varchar(5))",
                    "INSERT INTO nt_running VALUES (1, 'a'), (2, 'b')",
                    "CREATE TABLE nt_copied AS SELECT * FROM outside_nt",
                    "RENAME TABLE outside_nt TO nt_renamed_in");
            await().atMost(Duration.ofSeconds(30)).until(() -> c.failure() != null
                    || c.handler.changesOf("nt_renamed_in").size() == 2);
            assertThat(c.failure()).isNull();
            assertThat(ids(c.handler.changesOf("nt_running"))).containsExactly(1, 2);
            assertThat(ids(c.handler.changesOf("nt_copied"))).containsExactly(1, 2);
            assertThat(c.handler.changesOf("nt_renamed_in")).extracting(ChangeEvent::op)
                    .containsOnly(Operation.READ);
            assertThat(ids(c.handler.changesOf("nt_renamed_in"))).containsExactly(1, 2);
            await().atMost(Duration.ofSeconds(10)).until(() -> c.handler.calls.get(c.handler.calls.size() - 1)
                    instanceof MySqlPosition p && p.complete);
            resume = RecordingHandler.describe(c.handler.boundaries.get(c.handler.boundaries.size() - 1));
        }
        db.execute("CREATE TABLE nt_while_down (id int PRIMARY KEY)", "INSERT INTO nt_while_down VALUES (7), (8)");
        MySqlSource second = new MySqlSource(db.sourceConfig(List.of("nt_*"), SnapshotMode.INITIAL), 171);
        try (Capture c = Capture.start(second, resume, true)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> c.failure() != null
                    || c.handler.changesOf("nt_while_down").size() == 2);
            assertThat(c.failure()).isNull();
            assertThat(c.handler.changesOf("nt_while_down")).extracting(ChangeEvent::op)
                    .containsOnly(Operation.CREATE);
            assertThat(ids(c.handler.changesOf("nt_while_down"))).containsExactly(7, 8);
        }
    }
}
