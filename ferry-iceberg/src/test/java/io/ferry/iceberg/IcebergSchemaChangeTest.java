package io.ferry.iceberg;

import static io.ferry.core.apply.Events.insert;
import static io.ferry.iceberg.IcebergTarget.row;
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
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the Iceberg sink brings a table to a new source schema version per {@code sink.schema-changes} policy, with
 * Iceberg's own evolution: a rename keeps the field id, so rows written before read on under the new name.
 */
class IcebergSchemaChangeTest {

    private static final Column ID = column("id", TypeKind.INT64, "bigint", 1);
    private static final Column NAME = column("name", TypeKind.TEXT, "varchar(50)", 2);
    private static final Column QTY = column("qty", TypeKind.INT32, "integer", 3);
    private static final Column PRICE = column("price", TypeKind.DECIMAL, "numeric(10,2)", 4);
    private static final Column NOTE = column("note", TypeKind.TEXT, "text", 5);
    private static final TableSchema V1 = version(1, List.of("id"), ID, NAME, QTY, PRICE);
    /** name renamed to title, qty dropped, note added. */
    private static final TableSchema RESHAPED = version(2, List.of("id"), ID, NAME.withName("title"), PRICE, NOTE);

    @TempDir
    static Path warehouse;
    private static int namespaces;
    private final String namespace = "schema" + (++namespaces);
    private IcebergSink sink;

    @AfterEach
    void close() {
        sink.close();
    }

    @Test
    void evolveRenamesDropsAndAddsColumnsKeepingTheData() {
        sink(SchemaChangePolicy.EVOLVE);
        sink.apply(List.of(insert(V1, 1L, "a", 5, new BigDecimal("1.50"))), List.of());

        sink.ensureTable(RESHAPED, history(V1, RESHAPED));
        sink.apply(List.of(insert(RESHAPED, 2L, "b", new BigDecimal("2.00"), "n")), List.of());

        assertThat(columns()).containsExactly("id", "title", "price", "note");
        assertThat(rows()).containsExactly(row(1L, "a", new BigDecimal("1.50"), null),
                row(2L, "b", new BigDecimal("2.00"), "n"));
    }

    @Test
    void lenientRenamesAndAddsButKeepsADroppedColumn() {
        sink(SchemaChangePolicy.LENIENT);
        sink.apply(List.of(insert(V1, 1L, "a", 5, new BigDecimal("1.50"))), List.of());

        sink.ensureTable(RESHAPED, history(V1, RESHAPED));
        sink.apply(List.of(insert(RESHAPED, 2L, "b", new BigDecimal("2.00"), "n")), List.of());

        assertThat(columns()).containsExactly("id", "title", "qty", "price", "note");
        assertThat(rows()).containsExactly(row(1L, "a", 5, new BigDecimal("1.50"), null),
                row(2L, "b", null, new BigDecimal("2.00"), "n"));
    }

    @Test
    void rowsOfAnOlderVersionLandInTheRenamedColumn() {
        sink(SchemaChangePolicy.EVOLVE);
        sink.ensureTable(V1, history(V1));
        sink.ensureTable(RESHAPED, history(V1, RESHAPED));

        sink.apply(List.of(insert(V1, 3L, "old shape", 9, BigDecimal.ONE), insert(RESHAPED, 4L, "new", null, null)),
                List.of());

        assertThat(target().rows(namespace, "t", "id", "title")).containsExactly(row(3L, "old shape"), row(4L, "new"));
    }

    @Test
    void integerAndFloatAndDecimalPrecisionWideningsArePromotedInPlace() {
        sink(SchemaChangePolicy.LENIENT);
        sink.apply(List.of(insert(V1, 1L, "a", 5, new BigDecimal("1.50"))), List.of());
        TableSchema wider = version(2, List.of("id"), ID, column("name", TypeKind.TEXT, "varchar(200)", 2),
                column("qty", TypeKind.INT64, "bigint", 3), column("price", TypeKind.DECIMAL, "numeric(14,2)", 4));

        sink.ensureTable(wider, history(V1, wider));
        sink.apply(List.of(insert(wider, 2L, "x".repeat(150), 1L << 40, new BigDecimal("123456789012.34"))),
                List.of());

        Types.StructType struct = target().table(namespace, "t").schema().asStruct();
        assertThat(struct.field("qty").type()).isEqualTo(Types.LongType.get());
        assertThat(struct.field("price").type()).isEqualTo(Types.DecimalType.of(14, 2));
        assertThat(rows()).containsExactly(row(1L, "a", 5L, new BigDecimal("1.50")),
                row(2L, "x".repeat(150), 1L << 40, new BigDecimal("123456789012.34")));
    }

    @Test
    void aChangeIcebergCannotPromoteStopsUnderLenientNamingTableColumnAndTypes() {
        sink(SchemaChangePolicy.LENIENT);
        TableSchema retyped = version(2, List.of("id"), ID, column("name", TypeKind.INT32, "integer", 2), QTY, PRICE);
        sink.ensureTable(V1, history(V1));

        assertThatThrownBy(() -> sink.ensureTable(retyped, history(V1, retyped)))
                .isInstanceOfSatisfying(FerryException.class, e -> assertThat(e.retriable()).isFalse())
                .hasMessageContaining(namespace + ".t").hasMessageContaining("column name")
                .hasMessageContaining("varchar(50)").hasMessageContaining("integer");
    }

    @Test
    void evolveReplacesAColumnIcebergCannotPromote() {
        sink(SchemaChangePolicy.EVOLVE);
        TableSchema retyped = version(2, List.of("id"), ID, column("name", TypeKind.INT32, "integer", 2), QTY, PRICE);
        sink.apply(List.of(insert(V1, 1L, "a", 5, BigDecimal.ONE)), List.of());

        sink.ensureTable(retyped, history(V1, retyped));
        sink.apply(List.of(insert(retyped, 2L, 42, 6, BigDecimal.TEN)), List.of());

        assertThat(target().rows(namespace, "t", "id", "name")).containsExactly(Arrays.asList(1L, null), row(2L, 42));
    }

    @Test
    void ignoreChangesNothingAndWritesOnlyTheColumnsTheTableHas() {
        sink(SchemaChangePolicy.IGNORE);
        sink.ensureTable(V1, history(V1));
        TableSchema v2 = version(2, List.of("id"), ID, column("title", TypeKind.TEXT, "varchar(50)", 0), QTY, PRICE,
                NOTE);

        sink.ensureTable(v2, history(V1, v2));
        sink.apply(List.of(insert(v2, 2L, "b", 7, BigDecimal.TEN, "n")), List.of());

        assertThat(columns()).containsExactly("id", "name", "qty", "price");
        assertThat(target().rows(namespace, "t", "id", "name", "qty")).containsExactly(Arrays.asList(2L, null, 7));
    }

    @Test
    void stopStopsNamingTheTableAndEveryChange() {
        sink(SchemaChangePolicy.STOP);
        sink.ensureTable(V1, history(V1));

        assertThatThrownBy(() -> sink.ensureTable(RESHAPED, history(V1, RESHAPED)))
                .isInstanceOfSatisfying(FerryException.class, e -> assertThat(e.retriable()).isFalse())
                .hasMessageContaining(namespace + ".t").hasMessageContaining("column name renamed to title")
                .hasMessageContaining("column qty dropped").hasMessageContaining("column note added");
        assertThat(columns()).containsExactly("id", "name", "qty", "price");
    }

    @Test
    void aNewPrimaryKeyBecomesTheIdentifierFieldsAndDeletesMatchOnIt() {
        sink(SchemaChangePolicy.LENIENT);
        sink.apply(List.of(insert(V1, 1L, "a", 5, BigDecimal.ONE)), List.of());
        TableSchema rekeyed = version(2, List.of("name"), ID, NAME, QTY, PRICE);

        sink.ensureTable(rekeyed, history(V1, rekeyed));
        sink.apply(List.of(insert(rekeyed, 10L, "a", 6, BigDecimal.TEN)), List.of());

        assertThat(target().table(namespace, "t").schema().identifierFieldNames()).containsExactly("name");
        assertThat(target().rows(namespace, "t", "id", "name", "qty")).containsExactly(row(10L, "a", 6));
    }

    /** Uuid columns renamed, added and dropped keep the table writable and never regain file bounds (UuidStatistics). */
    @Test
    void uuidColumnsRenamedAddedAndDroppedCarryNoBounds() {
        sink(SchemaChangePolicy.EVOLVE);
        Column ref = column("ref", TypeKind.UUID, "uuid", 6);
        Column other = column("other", TypeKind.UUID, "uuid", 7);
        TableSchema v1 = version(1, List.of("id"), ID, ref);
        TableSchema v2 = version(2, List.of("id"), ID, ref.withName("ref2"), other);
        TableSchema v3 = version(3, List.of("id"), ID, ref.withName("ref2"));
        java.util.UUID u = java.util.UUID.fromString("ffffffff-ffff-4fff-bfff-ffffffffffff");
        sink.apply(List.of(insert(v1, 1L, u)), List.of());

        sink.ensureTable(v2, history(v1, v2));
        sink.apply(List.of(insert(v2, 2L, u, u)), List.of());
        assertThat(target().table(namespace, "t").properties())
                .containsEntry("write.metadata.metrics.column.ref2", "counts")
                .containsEntry("write.parquet.stats-enabled.column.ref2", "false")
                .containsEntry("write.metadata.metrics.column.other", "counts");
        sink.ensureTable(v3, history(v1, v2, v3));
        sink.apply(List.of(insert(v3, 3L, u)), List.of());

        assertThat(rows()).containsExactly(row(1L, u), row(2L, u), row(3L, u));
    }

    private void sink(SchemaChangePolicy policy) {
        sink = new IcebergSink(target().config(namespace, new SchemaChanges(policy, Map.of()), Map.of()));
    }

    private IcebergTarget target() {
        return new IcebergTarget(warehouse.toString());
    }

    private List<String> columns() {
        return target().table(namespace, "t").schema().columns().stream().map(Types.NestedField::name).toList();
    }

    private List<List<Object>> rows() {
        return target().rows(namespace, "t");
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
