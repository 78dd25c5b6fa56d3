package io.ferry.clickhouse;

import static io.ferry.core.apply.Events.insert;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.core.Column;
import io.ferry.core.ColumnType;
import io.ferry.core.FerryException;
import io.ferry.core.Sink;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How the ClickHouse sink brings a table to a new source schema version per {@code sink.schema-changes}, as the
 * JDBC sinks' {@code SchemaChangeContract} asks, on the real server: on 18.16 a rename and a new key rebuild the
 * table (no RENAME COLUMN, no new ORDER BY), keeping rows, versions and tombstones.
 */
class ClickHouseSchemaChangeTest {

    private static final ClickHouseTestServer CH = ClickHouseTestServer.shared();
    private static final Column ID = column("id", TypeKind.INT64, "bigint", 1);
    private static final Column NAME = column("name", TypeKind.TEXT, "varchar(50)", 2);
    private static final Column QTY = column("qty", TypeKind.INT32, "integer", 3);
    private static final Column PRICE = column("price", TypeKind.DECIMAL, "numeric(10,2)", 4);
    private static final Column NOTE = column("note", TypeKind.TEXT, "text", 5);
    private static final TableSchema V1 = version(1, List.of("id"), ID, NAME, QTY, PRICE);
    /** name renamed to title, qty dropped, note added. */
    private static final TableSchema RESHAPED = version(2, List.of("id"), ID, NAME.withName("title"), PRICE, NOTE);

    private String database;
    private Sink sink;

    @BeforeEach
    void open() {
        withPolicy(SchemaChangePolicy.LENIENT);
    }

    @AfterEach
    void close() {
        sink.close();
    }

    @Test
    void evolveRenamesDropsAndAddsColumnsKeepingTheData() {
        withPolicy(SchemaChangePolicy.EVOLVE);
        sink.apply(List.of(insert(V1, 1L, "a", 5, new BigDecimal("1.50"))), List.of());

        sink.ensureTable(RESHAPED, history(V1, RESHAPED));
        sink.apply(List.of(insert(RESHAPED, 2L, "b", new BigDecimal("2.00"), "n")), List.of());

        assertThat(columnNames()).containsExactly("id", "title", "price", "note");
        assertThat(query("SELECT id, title, price, note FROM t FINAL ORDER BY id"))
                .containsExactly(row(1, "a", "1.50", null), row(2, "b", "2.00", "n"));
    }

    @Test
    void lenientRenamesAndAddsButKeepsADroppedColumn() {
        sink.apply(List.of(insert(V1, 1L, "a", 5, new BigDecimal("1.50"))), List.of());

        sink.ensureTable(RESHAPED, history(V1, RESHAPED));
        sink.apply(List.of(insert(RESHAPED, 2L, "b", new BigDecimal("2.00"), "n")), List.of());

        assertThat(columnNames()).containsExactly("id", "title", "qty", "price", "note");
        assertThat(query("SELECT id, title, qty, note FROM t FINAL ORDER BY id"))
                .containsExactly(row(1, "a", 5, null), row(2, "b", null, "n"));
    }

    @Test
    void rowsOfAnOlderVersionLandInTheRenamedColumn() {
        withPolicy(SchemaChangePolicy.EVOLVE);
        sink.ensureTable(V1, history(V1));
        sink.ensureTable(RESHAPED, history(V1, RESHAPED));

        sink.apply(List.of(insert(V1, 3L, "old shape", 9, BigDecimal.ONE), insert(RESHAPED, 4L, "new", null, null)),
                List.of());

        assertThat(query("SELECT id, title FROM t FINAL ORDER BY id")).containsExactly(row(3, "old shape"),
                row(4, "new"));
    }

    @Test
    void wideningsAreAppliedSoThatLargerValuesFit() {
        sink.apply(List.of(insert(V1, 1L, "a", 5, new BigDecimal("1.50"))), List.of());
        TableSchema wider = version(2, List.of("id"), ID, column("name", TypeKind.TEXT, "varchar(200)", 2),
                column("qty", TypeKind.INT64, "bigint", 3), column("price", TypeKind.DECIMAL, "numeric(14,4)", 4));

        sink.ensureTable(wider, history(V1, wider));
        sink.apply(List.of(insert(wider, 2L, "x".repeat(150), 1L << 40, new BigDecimal("1234567890.1234"))),
                List.of());

        assertThat(query("SELECT toTypeName(qty), toTypeName(price) FROM t LIMIT 1"))
                .containsExactly(row("Nullable(Int64)", "Nullable(Decimal(14, 4))"));
        assertThat(query("SELECT qty, price FROM t FINAL ORDER BY id"))
                .containsExactly(row(5, "1.5000"), row(1L << 40, "1234567890.1234"));
    }

    @Test
    void lenientKeepsTheWiderTypeWhenTheSourceNarrowsAndEvolveNarrows() {
        TableSchema narrower = version(2, List.of("id"), ID, NAME, column("qty", TypeKind.INT16, "smallint", 3), PRICE);
        sink.ensureTable(V1, history(V1));

        sink.ensureTable(narrower, history(V1, narrower));
        assertThat(query("SELECT type FROM system.columns WHERE database = '" + database + "' AND name = 'qty'"))
                .containsExactly(row("Nullable(Int32)"));

        withPolicy(SchemaChangePolicy.EVOLVE);
        sink.ensureTable(V1, history(V1));
        sink.ensureTable(narrower, history(V1, narrower));
        assertThat(query("SELECT type FROM system.columns WHERE database = '" + database + "' AND name = 'qty'"))
                .containsExactly(row("Nullable(Int16)"));
    }

    @Test
    void anIncompatibleTypeChangeUnderLenientStopsNamingTableColumnAndTypes() {
        TableSchema retyped = version(2, List.of("id"), ID, column("name", TypeKind.INT32, "integer", 2), QTY, PRICE);
        sink.ensureTable(V1, history(V1));

        assertThatThrownBy(() -> sink.ensureTable(retyped, history(V1, retyped)))
                .isInstanceOfSatisfying(FerryException.class, e -> assertThat(e.retriable()).isFalse())
                .hasMessageContaining(database + ".t").hasMessageContaining("column name")
                .hasMessageContaining("varchar(50)").hasMessageContaining("integer");
    }

    @Test
    void ignoreChangesNothingAndWritesOnlyTheColumnsTheTargetHas() {
        withPolicy(SchemaChangePolicy.IGNORE);
        sink.ensureTable(V1, history(V1));
        TableSchema v2 = version(2, List.of("id"), ID, NAME.withName("title"), QTY, PRICE, NOTE);

        sink.ensureTable(v2, history(V1, v2));
        sink.apply(List.of(insert(v2, 2L, "b", 7, BigDecimal.TEN, "n")), List.of());

        assertThat(columnNames()).containsExactly("id", "name", "qty", "price");
        assertThat(query("SELECT id, name, qty FROM t FINAL")).containsExactly(row(2, null, 7));
    }

    @Test
    void stopStopsNamingTheTableAndEveryChange() {
        withPolicy(SchemaChangePolicy.STOP);
        sink.ensureTable(V1, history(V1));

        assertThatThrownBy(() -> sink.ensureTable(RESHAPED, history(V1, RESHAPED)))
                .isInstanceOfSatisfying(FerryException.class, e -> assertThat(e.retriable()).isFalse())
                .hasMessageContaining(database + ".t").hasMessageContaining("column name renamed to title")
                .hasMessageContaining("column qty dropped").hasMessageContaining("column note added");
        assertThat(columnNames()).containsExactly("id", "name", "qty", "price");
    }

    @Test
    void aNewPrimaryKeyRebuildsTheTableSortedByIt() {
        sink.apply(List.of(insert(V1, 1L, "a", 5, BigDecimal.ONE)), List.of());
        TableSchema rekeyed = version(2, List.of("name"), ID, NAME, QTY, PRICE);

        sink.ensureTable(rekeyed, history(V1, rekeyed));
        sink.apply(List.of(insert(rekeyed, 10L, "a", 6, BigDecimal.TEN)), List.of());

        assertThat(query("SELECT name FROM system.columns WHERE database = '" + database
                + "' AND table = 't' AND is_in_sorting_key")).containsExactly(row("name"));
        assertThat(query("SELECT id, name, qty FROM t FINAL WHERE _ferry_deleted = 0")).containsExactly(row(10, "a", 6));
        assertThat(query("SELECT count() FROM system.tables WHERE database = '" + database + "' AND name LIKE 't\\\\_\\\\_%'"))
                .containsExactly(row(0));
    }

    private void withPolicy(SchemaChangePolicy policy) {
        if (sink != null) {
            sink.close();
        }
        database = CH.freshDatabase();
        sink = new ClickHouseConnector().sink(CH.config(database).withSchemaChanges(new SchemaChanges(policy, Map.of())));
    }

    private List<List<String>> query(String sql) {
        return CH.query(sql.replace(" FROM t ", " FROM " + database + ".t ").replace(" FROM t FINAL", " FROM "
                + database + ".t FINAL"));
    }

    private List<String> columnNames() {
        return CH.query("SELECT name FROM system.columns WHERE database = '" + database + "' AND table = 't'"
                + " AND name NOT LIKE '\\\\_ferry\\\\_%'").stream().map(r -> r.get(0)).toList();
    }

    private static List<String> row(Object... values) {
        List<String> out = new ArrayList<>();
        for (Object v : values) {
            out.add(v == null ? null : v.toString());
        }
        return out;
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
