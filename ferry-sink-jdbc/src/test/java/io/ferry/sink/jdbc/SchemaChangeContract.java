package io.ferry.sink.jdbc;

import static io.ferry.core.apply.Events.insert;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.core.Column;
import io.ferry.core.ColumnType;
import io.ferry.core.FerryException;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.core.schema.SchemaChangePolicy;
import io.ferry.core.schema.SchemaChanges;
import io.ferry.core.schema.SchemaHistory;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * How every {@link JdbcSink} dialect brings a target table to a new source schema version, per
 * {@code sink.schema-changes} policy, against its real server. Columns carry source ids, as a rename needs.
 */
public abstract class SchemaChangeContract extends SinkTestBase {

    private static final Column ID = column("id", TypeKind.INT64, "bigint", 1);
    private static final Column NAME = column("name", TypeKind.TEXT, "varchar(50)", 2);
    private static final Column QTY = column("qty", TypeKind.INT32, "integer", 3);
    private static final Column PRICE = column("price", TypeKind.DECIMAL, "numeric(10,2)", 4);
    private static final Column NOTE = column("note", TypeKind.TEXT, "text", 5);
    private static final TableSchema V1 = version(1, List.of("id"), ID, NAME, QTY, PRICE);
    /** name renamed to title, qty dropped, note added. */
    private static final TableSchema RESHAPED = version(2, List.of("id"), ID, NAME.withName("title"), PRICE, NOTE);

    @Test
    void evolveRenamesDropsAndAddsColumnsKeepingTheData() {
        withPolicy(SchemaChangePolicy.EVOLVE);
        sink.apply(List.of(insert(V1, 1L, "a", 5, new BigDecimal("1.50"))), List.of());

        sink.ensureTable(RESHAPED, history(V1, RESHAPED));
        sink.apply(List.of(insert(RESHAPED, 2L, "b", new BigDecimal("2.00"), "n")), List.of());

        assertThat(columnNames("t")).containsExactly("id", "title", "price", "note");
        assertThat(query("SELECT id, title, price, note FROM " + qualified("t") + " ORDER BY id")).containsExactly(
                Arrays.asList(1L, "a", new BigDecimal("1.50"), null), List.of(2L, "b", new BigDecimal("2.00"), "n"));
    }

    @Test
    void lenientRenamesAndAddsButKeepsADroppedColumnNullable() {
        sink.apply(List.of(insert(V1, 1L, "a", 5, new BigDecimal("1.50"))), List.of());

        sink.ensureTable(RESHAPED, history(V1, RESHAPED));
        sink.apply(List.of(insert(RESHAPED, 2L, "b", new BigDecimal("2.00"), "n")), List.of());

        assertThat(columnNames("t")).containsExactly("id", "title", "qty", "price", "note");
        assertThat(query("SELECT id, title, qty, note FROM " + qualified("t") + " ORDER BY id")).containsExactly(
                Arrays.asList(1L, "a", 5, null), Arrays.asList(2L, "b", null, "n"));
    }

    @Test
    void rowsOfAnOlderVersionLandInTheRenamedColumn() {
        withPolicy(SchemaChangePolicy.EVOLVE);
        sink.ensureTable(V1, history(V1));
        sink.ensureTable(RESHAPED, history(V1, RESHAPED));

        sink.apply(List.of(insert(V1, 3L, "old shape", 9, BigDecimal.ONE), insert(RESHAPED, 4L, "new", null, null)),
                List.of());

        assertThat(query("SELECT id, title FROM " + qualified("t") + " ORDER BY id"))
                .containsExactly(List.of(3L, "old shape"), List.of(4L, "new"));
    }

    @Test
    void wideningsAreAppliedSoThatLargerValuesFit() {
        sink.apply(List.of(insert(V1, 1L, "a", 5, new BigDecimal("1.50"))), List.of());
        TableSchema wider = version(2, List.of("id"), ID, column("name", TypeKind.TEXT, "varchar(200)", 2),
                column("qty", TypeKind.INT64, "bigint", 3), column("price", TypeKind.DECIMAL, "numeric(14,4)", 4));
        String longName = "x".repeat(150);

        sink.ensureTable(wider, history(V1, wider));
        sink.apply(List.of(insert(wider, 2L, longName, 1L << 40, new BigDecimal("1234567890.1234"))), List.of());

        assertThat(columnType("t", "name")).endsWith("(200)");
        assertThat(columnType("t", "price")).endsWith("(14,4)");
        assertThat(query("SELECT name, qty, price FROM " + qualified("t") + " WHERE id = 2"))
                .containsExactly(List.of(longName, 1L << 40, new BigDecimal("1234567890.1234")));
        assertThat(query("SELECT price FROM " + qualified("t") + " WHERE id = 1"))
                .containsExactly(List.of(new BigDecimal("1.5000")));
    }

    @Test
    void aSinglePrecisionColumnWidensToDoublePrecisionSoDoublesStayExact() {
        TableSchema single = version(1, List.of("id"), ID, column("ratio", TypeKind.FLOAT32, "real", 6));
        TableSchema doubled = version(2, List.of("id"), ID, column("ratio", TypeKind.FLOAT64, "double precision", 6));
        sink.apply(List.of(insert(single, 1L, 0.33333334f)), List.of());

        sink.ensureTable(doubled, history(single, doubled));
        sink.apply(List.of(insert(doubled, 2L, 0.1d)), List.of());

        assertThat(query("SELECT ratio FROM " + qualified("t") + " WHERE id = 2")).containsExactly(List.of(0.1d));
    }

    @Test
    void aBooleanColumnWidensToTextSoWordsFit() {
        TableSchema flag = version(1, List.of("id"), ID, column("flag", TypeKind.BOOLEAN, "boolean", 6));
        TableSchema text = version(2, List.of("id"), ID, column("flag", TypeKind.TEXT, "text", 6));
        sink.apply(List.of(insert(flag, 1L, true)), List.of());

        sink.ensureTable(text, history(flag, text));
        sink.apply(List.of(insert(text, 2L, "maybe")), List.of());

        assertThat(query("SELECT flag FROM " + qualified("t") + " WHERE id = 2")).containsExactly(List.of("maybe"));
    }

    @Test
    void lenientKeepsTheWiderTypeWhenTheSourceNarrowsAndEvolveNarrows() {
        TableSchema narrower = version(2, List.of("id"), ID, column("name", TypeKind.TEXT, "varchar(20)", 2), QTY, PRICE);
        sink.ensureTable(V1, history(V1));

        sink.ensureTable(narrower, history(V1, narrower));
        assertThat(columnType("t", "name")).endsWith("(50)");

        withPolicy(SchemaChangePolicy.EVOLVE);
        sink.ensureTable(V1, history(V1));
        sink.ensureTable(narrower, history(V1, narrower));
        assertThat(columnType("t", "name")).endsWith("(20)");
    }

    @Test
    void anIncompatibleTypeChangeUnderLenientStopsNamingTableColumnAndTypes() {
        TableSchema retyped = version(2, List.of("id"), ID, column("name", TypeKind.INT32, "integer", 2), QTY, PRICE);
        sink.ensureTable(V1, history(V1));

        assertThatThrownBy(() -> sink.ensureTable(retyped, history(V1, retyped)))
                .isInstanceOfSatisfying(FerryException.class, e -> assertThat(e.retriable()).isFalse())
                .hasMessageContaining(namespace + ".t").hasMessageContaining("column name")
                .hasMessageContaining("varchar(50)").hasMessageContaining("integer");
        assertThat(columnType("t", "name")).endsWith("(50)");
    }

    @Test
    void ignoreChangesNothingAndWritesOnlyTheColumnsTheTargetHas() {
        withPolicy(SchemaChangePolicy.IGNORE);
        sink.ensureTable(V1, history(V1));
        TableSchema v2 = version(2, List.of("id"), ID, NAME.withName("title"), QTY, PRICE, NOTE);

        sink.ensureTable(v2, history(V1, v2));
        sink.apply(List.of(insert(v2, 2L, "b", 7, BigDecimal.TEN, "n")), List.of());

        assertThat(columnNames("t")).containsExactly("id", "name", "qty", "price");
        assertThat(query("SELECT id, name, qty FROM " + qualified("t"))).containsExactly(Arrays.asList(2L, null, 7));
    }

    @Test
    void stopStopsNamingTheTableAndEveryChange() {
        withPolicy(SchemaChangePolicy.STOP);
        sink.ensureTable(V1, history(V1));

        assertThatThrownBy(() -> sink.ensureTable(RESHAPED, history(V1, RESHAPED)))
                .isInstanceOfSatisfying(FerryException.class, e -> assertThat(e.retriable()).isFalse())
                .hasMessageContaining(namespace + ".t").hasMessageContaining("column name renamed to title")
                .hasMessageContaining("column qty dropped").hasMessageContaining("column note added");
        assertThat(columnNames("t")).containsExactly("id", "name", "qty", "price");
    }

    @Test
    void aNewPrimaryKeyReplacesTheOldOne() {
        sink.apply(List.of(insert(V1, 1L, "a", 5, BigDecimal.ONE)), List.of());
        TableSchema rekeyed = version(2, List.of("name"), ID, NAME, QTY, PRICE);

        sink.ensureTable(rekeyed, history(V1, rekeyed));
        sink.apply(List.of(insert(rekeyed, 10L, "a", 6, BigDecimal.TEN)), List.of());

        assertThat(primaryKey("t")).containsExactly("name");
        assertThat(query("SELECT id, name, qty FROM " + qualified("t"))).containsExactly(List.of(10L, "a", 6));
    }

    @Test
    void applyingAChangeAgainAfterACrashBeforeItsVersionWasRecordedConverges() {
        withPolicy(SchemaChangePolicy.EVOLVE);
        TableSchema v2 = version(2, List.of("title"), ID, column("title", TypeKind.TEXT, "varchar(200)", 2), PRICE,
                NOTE);
        sink.apply(List.of(insert(V1, 1L, "a", 5, BigDecimal.ONE)), List.of());
        sink.ensureTable(v2, history(V1, v2));
        target().execute(namespace, "UPDATE " + qualified("ferry_schemas") + " SET version = 1");

        withPolicy(SchemaChangePolicy.EVOLVE, namespace);
        sink.ensureTable(v2, history(V1, v2));
        sink.apply(List.of(insert(v2, 2L, "b", BigDecimal.TEN, "n")), List.of());

        assertThat(columnNames("t")).containsExactly("id", "title", "price", "note");
        assertThat(primaryKey("t")).containsExactly("title");
        assertThat(query("SELECT version FROM " + qualified("ferry_schemas"))).containsExactly(List.of(2));
        assertThat(query("SELECT id, title FROM " + qualified("t") + " ORDER BY id"))
                .containsExactly(List.of(1L, "a"), List.of(2L, "b"));
    }

    /** A new sink with {@code policy}, in a fresh namespace. */
    /**
     * The same schema event arrives in every partition of a table topic, so appliers of different partitions (in one
     * process or several) meet on its DDL: the target changes once, and none of them fails.
     */
    @Test
    void sinksMeetingOnTheSameSchemaChangeChangeTheTableOnce() throws Exception {
        for (int round = 0; round < 5; round++) {
            withPolicy(SchemaChangePolicy.LENIENT);
            sink.apply(List.of(insert(V1, 1L, "a", 5, new BigDecimal("1.50"))), List.of());
            List<JdbcSink> others = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    JdbcSink other = new JdbcSink(target().config(namespace), target().dialect());
                    others.add(other);
                    other.storedOffsets("connect-first"); // connected before the start, so that they meet
                }
                CyclicBarrier start = new CyclicBarrier(others.size() + 1);
                List<CompletableFuture<Void>> racing = new ArrayList<>();
                for (JdbcSink other : others) {
                    racing.add(CompletableFuture.runAsync(() -> ensureTogether(start, other)));
                }
                ensureTogether(start, sink);
                for (CompletableFuture<Void> f : racing) {
                    f.get(60, TimeUnit.SECONDS);
                }
                others.get(0).apply(List.of(insert(RESHAPED, 2L, "b", new BigDecimal("2.00"), "n")), List.of());
            } finally {
                others.forEach(JdbcSink::close);
            }
            assertThat(columnNames("t")).containsExactly("id", "title", "qty", "price", "note");
            assertThat(query("SELECT id, title, note FROM " + qualified("t") + " ORDER BY id")).containsExactly(
                    Arrays.asList(1L, "a", null), List.of(2L, "b", "n"));
        }
    }

    private static void ensureTogether(CyclicBarrier start, JdbcSink s) {
        try {
            start.await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        s.ensureTable(RESHAPED, history(V1, RESHAPED));
    }

    private void withPolicy(SchemaChangePolicy policy) {
        withPolicy(policy, target().freshNamespace());
    }

    private void withPolicy(SchemaChangePolicy policy, String into) {
        sink.close();
        namespace = into;
        sink = new JdbcSink(target().config(namespace).withSchemaChanges(new SchemaChanges(policy, Map.of())),
                target().dialect());
    }

    private static Column column(String name, TypeKind kind, String type, int id) {
        return new Column(name, ColumnType.of(kind, type), true, id);
    }

    private static TableSchema version(int version, List<String> key, Column... columns) {
        return new TableSchema(new TableId("source", "t"), version, List.of(columns), key);
    }

    private static SchemaHistory history(TableSchema... versions) {
        return (table, version) -> Arrays.stream(versions)
                .filter(s -> s.table().equals(table) && s.version() == version).findFirst();
    }
}
