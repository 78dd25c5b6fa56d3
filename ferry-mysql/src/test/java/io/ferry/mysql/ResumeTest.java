package io.ferry.mysql;

import io.ferry.core.RecordingHandler;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.FerryException;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import io.ferry.mysql.MySqlTestServer.Flavor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Restarting from a position inside a source transaction hands over exactly the rest. */
@ParameterizedClass
@EnumSource(Flavor.class)
class ResumeTest {

    private final MySqlTestServer db;

    ResumeTest(Flavor flavor) {
        db = MySqlTestServer.shared(flavor);
    }

    @Test
    void resumingFromTheKthRowOfATransactionSkipsExactlyWhatWasHandedOver() throws Exception {
        db.execute("CREATE TABLE resumed (id int PRIMARY KEY, v varchar(5))");
        MySqlSource first = new MySqlSource(db.sourceConfig(List.of("resumed"), SnapshotMode.NEVER), 104);
        List<ChangeEvent> seen;
        try (Capture c = Capture.start(first, Map.of(), false)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> first.status().phase().equals("streaming"));
            db.execute("START TRANSACTION", "INSERT INTO resumed VALUES (1,'v1'),(2,'v2'),(3,'v3'),(4,'v4'),(5,'v5'),"
                    + "(6,'v6'),(7,'v7'),(8,'v8'),(9,'v9'),(10,'v10')", "UPDATE resumed SET v = 'w' WHERE id <= 3",
                    "COMMIT", "INSERT INTO resumed VALUES (11, 'later')");
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() == 14);
            seen = List.copyOf(c.handler.changes);
        }
        Map<String, Object> resume = RecordingHandler.describe(seen.get(6).position());
        resume.put(MySqlPosition.ROW, ((Number) resume.get(MySqlPosition.ROW)).intValue());

        MySqlSource second = new MySqlSource(db.sourceConfig(List.of("resumed"), SnapshotMode.NEVER), 104);
        try (Capture c = Capture.start(second, resume, false)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() == 7 || c.failure() != null);
            assertThat(c.failure()).isNull();
            assertThat(c.handler.changes).extracting(e -> RecordingHandler.describe(e.position()))
                    .containsExactlyElementsOf(seen.subList(7, 14).stream()
                            .map(e -> RecordingHandler.describe(e.position())).toList());
            assertThat(c.handler.changes.get(0).after()).containsExactly(8, "v8");
            assertThat(c.handler.changes.get(6).after()).containsExactly(11, "later");
        }
    }

    @Test
    void aPurgedBinlogAtResumeSaysThePositionIsGoneAndWhatToDo() {
        db.execute("CREATE TABLE purged (id int PRIMARY KEY)");
        MySqlSource source = new MySqlSource(db.sourceConfig(List.of("purged"), SnapshotMode.NEVER), 105);
        Map<String, Object> resume = Map.of(MySqlPosition.FILE, "mysql-bin.000000", MySqlPosition.POS, 4L,
                MySqlPosition.ROW, 0, MySqlPosition.COMPLETE, true, MySqlPosition.NEXT_POS, 400L);
        FerryException e = catchThrowableOfType(FerryException.class, () -> source.run(resume, new RecordingHandler()));
        source.close();
        assertThat(e.retriable()).isFalse();
        assertThat(e.getMessage()).startsWith("the binlog position to resume from (mysql-bin.000000:400) is gone")
                .contains("delete the pipeline's offsets or use a new pipeline name");
    }
}
