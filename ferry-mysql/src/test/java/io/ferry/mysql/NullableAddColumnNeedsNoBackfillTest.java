package io.ferry.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Operation;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import io.ferry.mysql.MySqlTestServer.Flavor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An ALTER TABLE that adds nullable columns without a default (its statement says so) leaves every existing row
 * NULL in them, which the target's new columns hold already: no rows are read again. An add with a default keeps
 * the backfill.
 */
@ParameterizedClass
@EnumSource(Flavor.class)
class NullableAddColumnNeedsNoBackfillTest {

    private final MySqlTestServer db;

    NullableAddColumnNeedsNoBackfillTest(Flavor flavor) {
        db = MySqlTestServer.shared(flavor);
    }

    @Test
    void onlyTheAddThatGaveRowsAValueIsBackfilled() throws Exception {
        db.execute("DROP TABLE IF EXISTS nullable_add", "CREATE TABLE nullable_add (id int PRIMARY KEY, v int)",
                "INSERT INTO nullable_add VALUES (1, 1), (2, 2), (3, 3)");
        MySqlSource source = new MySqlSource(db.sourceConfig(List.of("nullable_add"), SnapshotMode.INITIAL), 171);
        try (Capture c = Capture.start(source, Map.of(), true)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> source.status().phase().equals("streaming"));
            db.execute("ALTER TABLE nullable_add ADD COLUMN note varchar(20), ADD COLUMN n bigint NULL",
                    "INSERT INTO nullable_add (id, v) VALUES (4, 4)",
                    "ALTER TABLE nullable_add ADD COLUMN flag int DEFAULT 7",
                    "INSERT INTO nullable_add (id, v) VALUES (5, 5)");
            await().atMost(Duration.ofSeconds(30)).until(() -> c.failure() != null || c.handler.changes.stream()
                    .anyMatch(e -> e.op() == Operation.CREATE && e.after()[0].equals(5)));
            assertThat(c.failure()).isNull();
            List<ChangeEvent> afterSnapshot = c.handler.changes.subList(3, c.handler.changes.size());
            // No rows read for the first ALTER: the insert of row 4 comes first, under its shape.
            assertThat(afterSnapshot.get(0).op()).isEqualTo(Operation.CREATE);
            assertThat(afterSnapshot.get(0).schema().columnNames()).containsExactly("id", "v", "note", "n");
            assertThat(afterSnapshot.get(0).after()).containsExactly(4, 4, null, null);
            // The second is backfilled: rows 1 to 4, and row 5 too when the read already sees it.
            List<ChangeEvent> reads = afterSnapshot.subList(1, afterSnapshot.size() - 1);
            assertThat(reads).extracting(e -> e.after()[0]).startsWith(1, 2, 3, 4).hasSizeBetween(4, 5);
            assertThat(reads).allSatisfy(e -> {
                assertThat(e.op()).isEqualTo(Operation.READ);
                assertThat(e.after()[4]).isEqualTo(7);
            });
            assertThat(afterSnapshot.get(afterSnapshot.size() - 1).op()).isEqualTo(Operation.CREATE);
        }
    }
}
