package io.ferry.postgres.sink;

import static io.ferry.core.apply.Events.col;
import static io.ferry.core.apply.Events.insert;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.core.ChangeEvent;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.sink.jdbc.JdbcSink;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PostgresTableReaderTest {

    private static final TableSchema TAGS = new TableSchema(new TableId("source", "tags"), 1,
            List.of(col("name", TypeKind.TEXT, "text"), col("n", TypeKind.INT32, "integer"),
                    col("note", TypeKind.TEXT, "text")), List.of("name", "n"));

    @Test
    void chunksFollowEachOtherInByteOrderOfTheKeyUntilTheTableEnds() {
        String schema = TargetDb.freshSchema();
        List<ChangeEvent> events = new ArrayList<>();
        List<String> names = List.of("b", "B", "a", "é", "Z", "ä");
        for (String name : names) {
            for (int n = 0; n < 4; n++) {
                events.add(insert(TAGS, name, n, name + n));
            }
        }
        try (JdbcSink sink = new JdbcSink(TargetDb.config(schema), new PostgresDialect());
             PostgresTableReader reader = new PostgresTableReader(TargetDb.config(schema))) {
            sink.apply(events, List.of());

            List<Object[]> all = new ArrayList<>();
            Object[] after = null;
            List<Object[]> chunk;
            do {
                chunk = reader.readChunk(TAGS, after, 5);
                all.addAll(chunk);
                if (!chunk.isEmpty()) {
                    Object[] last = chunk.get(chunk.size() - 1);
                    after = new Object[] {last[0], last[1]};
                }
            } while (chunk.size() == 5);

            assertThat(all).extracting(r -> r[0] + "/" + r[1]).containsExactly(
                    "B/0", "B/1", "B/2", "B/3", "Z/0", "Z/1", "Z/2", "Z/3", "a/0", "a/1", "a/2", "a/3",
                    "b/0", "b/1", "b/2", "b/3", "ä/0", "ä/1", "ä/2", "ä/3", "é/0", "é/1", "é/2", "é/3");
            assertThat(all.get(0)).containsExactly("B", 0, "B0");
        }
    }
}
