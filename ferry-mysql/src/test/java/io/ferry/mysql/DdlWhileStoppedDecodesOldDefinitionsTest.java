package io.ferry.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.RecordingHandler;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import io.ferry.mysql.MySqlTestServer.Flavor;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Rows written before a DDL that ran while capture was down decode with the definition they were written under
 * (from their TABLE_MAP), not with the catalog's newer one, even where a same-named column changed its type.
 */
@ParameterizedClass
@EnumSource(Flavor.class)
class DdlWhileStoppedDecodesOldDefinitionsTest {

    private final MySqlTestServer db;

    DdlWhileStoppedDecodesOldDefinitionsTest(Flavor flavor) {
        db = MySqlTestServer.shared(flavor);
    }

    @Test
    void aColumnRetypedWhileDownDecodesEarlierRowsWithItsOldType() throws Exception {
        db.execute("CREATE TABLE old_defs (id int PRIMARY KEY, v int, d decimal(5,2), e enum('a','b'))");
        MySqlSource first = new MySqlSource(db.sourceConfig(List.of("old_defs"), SnapshotMode.NEVER), 151);
        Map<String, Object> resume;
        TableSchema published;
        try (Capture c = Capture.start(first, Map.of(), true)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> first.status().phase().equals("streaming"));
            db.execute("INSERT INTO old_defs VALUES (1, 1, 1.5, 'a')");
            await().atMost(Duration.ofSeconds(30)).until(() -> c.handler.changes.size() == 1 || c.failure() != null);
            await().atMost(Duration.ofSeconds(10)).until(() -> c.handler.calls.get(c.handler.calls.size() - 1)
                    instanceof MySqlPosition p && p.complete);
            resume = RecordingHandler.describe(c.handler.boundaries.get(c.handler.boundaries.size() - 1));
            published = c.handler.schemas.get(c.handler.schemas.size() - 1);
        }
        // Down: a row under the old definition, then every column changes type (the last value needs the new one).
        db.execute("INSERT INTO old_defs VALUES (2, -7, 123.45, 'b')",
                "ALTER TABLE old_defs MODIFY v varchar(20), MODIFY d decimal(12,4), MODIFY e enum('x','a','b')",
                "INSERT INTO old_defs VALUES (3, 'seven', 98765432.1234, 'x')");
        MySqlSource second = new MySqlSource(db.sourceConfig(List.of("old_defs"), SnapshotMode.NEVER), 151);
        RecordingHandler handler = new RecordingHandler(second);
        handler.earlierRuns.put(published.table(), published);
        try (Capture c = Capture.start(second, resume, handler)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> c.failure() != null || c.handler.changes.stream()
                    .anyMatch(e -> e.after()[0].equals(3) && e.op() != io.ferry.core.Operation.READ));
            assertThat(c.failure()).isNull();
            ChangeEvent before = c.handler.changes.get(0);
            assertThat(before.after()).containsExactly(2, -7, new BigDecimal("123.45"), "b");
            assertThat(before.schema().columns().get(1).type().kind()).isEqualTo(TypeKind.INT32);
            assertThat(before.schema().columns().get(2).type().sourceName()).isEqualTo("decimal(5,2)");
            ChangeEvent after = c.handler.changes.get(c.handler.changes.size() - 1);
            assertThat(after.after()).containsExactly(3, "seven", new BigDecimal("98765432.1234"), "x");
            assertThat(after.schema().columns().get(1).type().kind()).isEqualTo(TypeKind.TEXT);
            assertThat(after.schema().columns()).extracting(io.ferry.core.Column::id).containsExactly(1, 2, 3, 4);
        }
    }
}
