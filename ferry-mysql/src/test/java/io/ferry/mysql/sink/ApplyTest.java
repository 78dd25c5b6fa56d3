package io.ferry.mysql.sink;

import io.ferry.core.schema.SchemaHistory;
import static io.ferry.core.apply.Events.col;
import static io.ferry.core.apply.Events.delete;
import static io.ferry.core.apply.Events.insert;
import static io.ferry.core.apply.Events.table;
import static io.ferry.core.apply.Events.truncate;
import static io.ferry.core.apply.Events.update;
import static io.ferry.core.apply.Events.updateKey;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Column;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.mysql.MySqlTestServer.Flavor;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

@ParameterizedClass
@EnumSource(Flavor.class)
class ApplyTest {

    private static final Object U = ChangeEvent.UNCHANGED;
    private static final TableSchema ITEMS = table("items", 1,
            col("id", TypeKind.INT64, "bigint"), col("name", TypeKind.TEXT, "varchar(50)"), col("doc", TypeKind.TEXT, "text"));

    private final TargetDb target;

    ApplyTest(Flavor flavor) {
        target = new TargetDb(flavor);
    }

    private String database;
    private MySqlSink sink;

    @BeforeEach
    void open() {
        database = target.freshDatabase();
        sink = new MySqlSink(target.config(database));
    }

    @AfterEach
    void close() {
        sink.close();
    }

    @Test
    void aTableIsCreatedWithAwkwardIdentifiersSpelledExactly() {
        List<Column> columns = List.of(col("id", TypeKind.INT32, "int"), col("Select", TypeKind.TEXT, "text"),
                col("my col", TypeKind.TEXT, "text"), col("say `hi`", TypeKind.TEXT, "text"),
                col("ünïcødé ✓", TypeKind.TEXT, "text"), col("UPPER", TypeKind.TEXT, "text"),
                col("partition", TypeKind.TEXT, "text"));
        TableSchema awkward = new TableSchema(new TableId("Sales Dept", "Order `Items` 2024 ü"), 1, columns,
                List.of("id", "UPPER"));

        sink.ensureTable(awkward, SchemaHistory.NONE);
        sink.apply(List.of(insert(awkward, 1, "s", "m", "q", "u", "K", "p")), List.of());

        assertThat(target.query(database, "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '"
                + database + "' AND TABLE_NAME = 'Order `Items` 2024 ü' ORDER BY ORDINAL_POSITION"))
                .extracting(r -> r.get(0))
                .containsExactly("id", "Select", "my col", "say `hi`", "ünïcødé ✓", "UPPER", "partition");
        assertThat(target.query(database, "SELECT * FROM `Order ``Items`` 2024 ü`"))
                .containsExactly(List.of(1, "s", "m", "q", "u", "K", "p"));
        assertThat(target.query(database, "SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE"
                + " TABLE_SCHEMA = '" + database + "' AND TABLE_NAME = 'Order `Items` 2024 ü'"
                + " AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION"))
                .extracting(r -> r.get(0)).containsExactly("id", "UPPER");
        assertThat(columnType("Order `Items` 2024 ü", "UPPER")).isEqualTo("varchar(255)");
    }

    @Test
    void anUpsertUpdatesTheExistingRowAndADeleteRemovesByKey() {
        sink.apply(List.of(insert(ITEMS, 1L, "a", "x"), insert(ITEMS, 2L, "b", "y"), insert(ITEMS, 3L, "c", "z")),
                List.of());
        sink.apply(List.of(update(ITEMS, 1L, "a2", "x2"), delete(ITEMS, 2L, null, null)), List.of());

        assertThat(rows()).containsExactly(List.of(1L, "a2", "x2"), List.of(3L, "c", "z"));
    }

    @Test
    void aKeyChangeDeletesTheOldKey() {
        sink.apply(List.of(insert(ITEMS, 1L, "a", "x")), List.of());

        sink.apply(List.of(updateKey(ITEMS, new Object[] {1L, "a", "x"}, new Object[] {7L, "a", "x"})), List.of());

        assertThat(rows()).containsExactly(List.of(7L, "a", "x"));
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
        TableSchema v2 = table("items", 2, col("id", TypeKind.INT64, "bigint"), col("name", TypeKind.TEXT, "varchar(50)"),
                col("doc", TypeKind.TEXT, "text"), col("price", TypeKind.DECIMAL, "numeric(10,2)"));

        sink.apply(List.of(insert(v2, 2L, "b", "y", new BigDecimal("9.90"))), List.of());

        assertThat(target.query(database, "SELECT id, price FROM items ORDER BY id"))
                .containsExactly(Arrays.asList(1L, null), List.of(2L, new BigDecimal("9.90")));
        assertThat(columnType("items", "price")).isEqualTo("decimal(10,2)");
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
    void textKeysDifferingOnlyInCaseOrTrailingSpaceAreDistinctRows() {
        TableSchema words = table("words", 1, col("w", TypeKind.TEXT, "text"), col("n", TypeKind.INT32, "int"));

        sink.apply(List.of(insert(words, "a", 1), insert(words, "A", 2), insert(words, "a ", 3)), List.of());

        assertThat(target.query(database, "SELECT n FROM words ORDER BY n")).extracting(r -> r.get(0))
                .containsExactly(1, 2, 3);
    }

    @Test
    void aLongRandomHistoryConvergesToWhatApplyingEventsOneByOneGives() {
        Random random = new Random(42);
        Map<Long, Object[]> expected = new LinkedHashMap<>();
        List<ChangeEvent> events = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
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
        for (int from = 0; from < events.size(); from += 1000) {
            sink.apply(events.subList(from, Math.min(events.size(), from + 1000)), List.of());
        }

        List<List<Object>> want = new ArrayList<>();
        expected.values().stream().sorted((a, b) -> Long.compare((Long) a[0], (Long) b[0]))
                .forEach(r -> want.add(Arrays.asList(r)));
        assertThat(rows()).isEqualTo(want);
    }

    private String columnType(String table, String column) {
        return (String) target.query(database, "SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE"
                + " TABLE_SCHEMA = '" + database + "' AND TABLE_NAME = '" + table.replace("'", "''")
                + "' AND COLUMN_NAME = '" + column + "'").get(0).get(0);
    }

    private List<List<Object>> rows() {
        return target.query(database, "SELECT id, name, doc FROM items ORDER BY id");
    }
}
