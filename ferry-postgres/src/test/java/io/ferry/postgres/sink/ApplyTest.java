package io.ferry.postgres.sink;

import io.ferry.core.schema.SchemaHistory;
import static io.ferry.core.apply.Events.col;
import static io.ferry.core.apply.Events.delete;
import static io.ferry.core.apply.Events.insert;
import static io.ferry.core.apply.Events.table;
import static io.ferry.core.apply.Events.truncate;
import static io.ferry.core.apply.Events.update;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Column;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ApplyTest {

    private static final Object U = ChangeEvent.UNCHANGED;
    private static final TableSchema ITEMS = table("items", 1,
            col("id", TypeKind.INT64, "bigint"), col("name", TypeKind.TEXT, "text"), col("doc", TypeKind.TEXT, "text"));

    private String schema;
    private PostgresSink sink;

    @BeforeEach
    void open() {
        schema = TargetDb.freshSchema();
        sink = new PostgresSink(TargetDb.config(schema));
    }

    @AfterEach
    void close() {
        sink.close();
    }

    @Test
    void aTableIsCreatedWithAwkwardIdentifiersSpelledExactly() {
        List<Column> columns = List.of(col("id", TypeKind.INT32, "integer"), col("Select", TypeKind.TEXT, "text"),
                col("my col", TypeKind.TEXT, "text"), col("say \"hi\"", TypeKind.TEXT, "text"),
                col("ünïcødé ✓", TypeKind.TEXT, "text"), col("UPPER", TypeKind.TEXT, "text"));
        TableSchema awkward = new TableSchema(new TableId("Sales Dept", "Order \"Items\" 2024"), 1, columns,
                List.of("id", "UPPER"));
        PostgresSink odd = new PostgresSink(TargetDb.config("Sink \"Schema\" ü"));
        try (odd) {
            odd.ensureTable(awkward, SchemaHistory.NONE);
            odd.apply(List.of(insert(awkward, 1, "s", "m", "q", "u", "K")), List.of());
        }

        assertThat(TargetDb.query("SELECT column_name FROM information_schema.columns WHERE table_schema = "
                + "'Sink \"Schema\" ü' AND table_name = 'Order \"Items\" 2024' ORDER BY ordinal_position"))
                .extracting(r -> r.get(0))
                .containsExactly("id", "Select", "my col", "say \"hi\"", "ünïcødé ✓", "UPPER");
        assertThat(TargetDb.query("SELECT * FROM \"Sink \"\"Schema\"\" ü\".\"Order \"\"Items\"\" 2024\""))
                .containsExactly(List.of(1, "s", "m", "q", "u", "K"));
        assertThat(TargetDb.query("SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
                + " AND a.attnum = ANY(i.indkey) WHERE i.indisprimary AND i.indrelid ="
                + " '\"Sink \"\"Schema\"\" ü\".\"Order \"\"Items\"\" 2024\"'::regclass ORDER BY 1"))
                .extracting(r -> r.get(0)).containsExactly("UPPER", "id");
    }

    @Test
    void anUpsertUpdatesTheExistingRowAndADeleteRemovesByKey() {
        sink.apply(List.of(insert(ITEMS, 1L, "a", "x"), insert(ITEMS, 2L, "b", "y")), List.of());
        sink.apply(List.of(update(ITEMS, 1L, "a2", "x2"), delete(ITEMS, 2L, null, null)), List.of());

        assertThat(rows()).containsExactly(List.of(1L, "a2", "x2"));
    }

    @Test
    void aTruncateEmptiesTheTableInOrderWithTheRowsAroundIt() {
        sink.apply(List.of(insert(ITEMS, 1L, "a", "x")), List.of());
        sink.apply(List.of(insert(ITEMS, 2L, "b", "y"), truncate(ITEMS), insert(ITEMS, 3L, "c", "z")), List.of());

        assertThat(rows()).containsExactly(List.of(3L, "c", "z"));
    }

    @Test
    void aNewSchemaVersionAddsItsColumnsAndKeepsTheRows() {
        sink.apply(List.of(insert(ITEMS, 1L, "a", "x")), List.of());
        TableSchema v2 = table("items", 2, col("id", TypeKind.INT64, "bigint"), col("name", TypeKind.TEXT, "text"),
                col("doc", TypeKind.TEXT, "text"), col("price", TypeKind.DECIMAL, "numeric(10,2)"));

        sink.apply(List.of(insert(v2, 2L, "b", "y", new java.math.BigDecimal("9.90"))), List.of());

        assertThat(TargetDb.query("SELECT id, price FROM " + target() + " ORDER BY id"))
                .containsExactly(Arrays.asList(1L, null), List.of(2L, new java.math.BigDecimal("9.90")));
        assertThat(TargetDb.query("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = '"
                + target() + "'::regclass AND attname = 'price'")).containsExactly(List.of("numeric(10,2)"));
    }

    @Test
    void anUnchangedValueKeepsItsOldTargetValue() {
        sink.apply(List.of(insert(ITEMS, 1L, "a", "large toasted document")), List.of());

        sink.apply(List.of(update(ITEMS, 1L, "renamed", U), update(ITEMS, 2L, "new row", U)), List.of());

        assertThat(rows()).containsExactly(List.of(1L, "renamed", "large toasted document"),
                Arrays.asList(2L, "new row", null));
    }

    @Test
    void severalEventsForOneKeyInOneBatchEndInTheFinalState() {
        sink.apply(List.of(insert(ITEMS, 1L, "old", "old")), List.of());

        sink.apply(List.of(update(ITEMS, 1L, "u1", "d1"), delete(ITEMS, 1L, null, null), insert(ITEMS, 1L, "i2", U),
                update(ITEMS, 1L, "u3", U), insert(ITEMS, 2L, "x", "x"), delete(ITEMS, 2L, null, null)), List.of());

        assertThat(rows()).containsExactly(Arrays.asList(1L, "u3", null));
    }

    @Test
    void aLongRandomHistoryConvergesToWhatApplyingEventsOneByOneGives() {
        Random random = new Random(42);
        Map<Long, Object[]> expected = new LinkedHashMap<>();
        List<ChangeEvent> events = new ArrayList<>();
        for (int i = 0; i < 6000; i++) {
            long id = random.nextInt(300);
            int op = random.nextInt(10);
            if (op < 2) {
                events.add(delete(ITEMS, id, null, null));
                expected.remove(id);
            } else {
                Object doc = op < 5 ? U : "doc " + i;
                events.add(update(ITEMS, id, "name " + i, doc));
                Object[] old = expected.get(id);
                expected.put(id, new Object[] {id, "name " + i, doc == U ? (old == null ? null : old[2]) : doc});
            }
        }
        for (int from = 0; from < events.size(); from += 2500) {
            sink.apply(events.subList(from, Math.min(events.size(), from + 2500)), List.of());
        }

        List<List<Object>> want = new ArrayList<>();
        expected.values().stream().sorted((a, b) -> Long.compare((Long) a[0], (Long) b[0]))
                .forEach(r -> want.add(Arrays.asList(r)));
        assertThat(rows()).isEqualTo(want);
    }

    private String target() {
        return Sql.qualified(schema, "items");
    }

    private List<List<Object>> rows() {
        return TargetDb.query("SELECT id, name, doc FROM " + target() + " ORDER BY id");
    }
}
