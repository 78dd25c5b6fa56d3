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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * DDL that widens a table after an ADD COLUMN with a default, while capture is down: the restart announces the
 * table's current (wider) shape at the ADD and backfills its rows; the rows the binlog wrote between the two
 * ALTERs, under the narrower definition, go out under that wider shape instead of announcing the narrower one
 * again, which a target under {@code evolve} could not take back once it holds the wider values.
 */
@ParameterizedClass
@EnumSource(Flavor.class)
class LaggingStreamKeepsTheWiderShapeTest {

    private final MySqlTestServer db;

    LaggingStreamKeepsTheWiderShapeTest(Flavor flavor) {
        db = MySqlTestServer.shared(flavor);
    }

    @Test
    void rowsWrittenUnderANarrowerDefinitionGoOutUnderTheWiderShapeAlreadyAnnounced() throws Exception {
        db.execute("DROP TABLE IF EXISTS lagging", "CREATE TABLE lagging (id int PRIMARY KEY, e enum('a','b'),"
                + " v varchar(10))", "INSERT INTO lagging VALUES (1, 'a', 'x')");
        MySqlSource first = new MySqlSource(db.sourceConfig(List.of("lagging"), SnapshotMode.INITIAL), 181);
        Map<String, Object> resume;
        TableSchema published;
        try (Capture c = Capture.start(first, Map.of(), true)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> first.status().phase().equals("streaming"));
            resume = RecordingHandler.describe(c.handler.boundaries.get(c.handler.boundaries.size() - 1));
            published = c.handler.schemas.get(0);
        }
        db.execute("ALTER TABLE lagging ADD COLUMN n int DEFAULT 5",
                "INSERT INTO lagging (id, e, v) VALUES (2, 'b', 'yy')",
                "ALTER TABLE lagging MODIFY e enum('a','b','c'), MODIFY v varchar(40)",
                "INSERT INTO lagging (id, e, v) VALUES (3, 'c', REPEAT('z', 30))");
        MySqlSource second = new MySqlSource(db.sourceConfig(List.of("lagging"), SnapshotMode.INITIAL), 181);
        RecordingHandler handler = new RecordingHandler(second);
        handler.earlierRuns.put(published.table(), published);
        try (Capture c = Capture.start(second, resume, handler)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> c.failure() != null || c.handler.changes.stream()
                    .anyMatch(e -> e.op() == Operation.CREATE && e.after()[0].equals(3)));
            assertThat(c.failure()).isNull();
            // One new shape, the table's current one: never the narrower enum and varchar in between.
            assertThat(c.handler.schemas).hasSize(1);
            TableSchema current = c.handler.schemas.get(0);
            assertThat(current.columns()).extracting(col -> col.type().sourceName())
                    .containsExactly(db.flavor() == Flavor.MARIADB ? "int(11)" : "int", "enum('a','b','c')",
                            "varchar(40)", db.flavor() == Flavor.MARIADB ? "int(11)" : "int");
            List<ChangeEvent> inserts = c.handler.changes.stream().filter(e -> e.op() == Operation.CREATE).toList();
            assertThat(inserts).allSatisfy(e -> assertThat(e.schema()).isSameAs(current));
            assertThat(inserts).extracting(e -> List.of(e.after()))
                    .containsExactly(List.of(2, "b", "yy", 5), List.of(3, "c", "z".repeat(30), 5));
            assertThat(c.handler.changes).filteredOn(e -> e.op() == Operation.READ).hasSize(3)
                    .allSatisfy(e -> assertThat(e.schema()).isSameAs(current));
        }
    }
}
