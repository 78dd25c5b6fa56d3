package io.ferry.core.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.core.BoundedArray;
import io.ferry.core.Column;
import io.ferry.core.ColumnType;
import io.ferry.core.FerryException;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class TableDiffTest {

    private static final TableSchema SCHEMA = new TableSchema(new TableId("public", "t"), 1, List.of(
            new Column("id", ColumnType.of(TypeKind.INT64, "bigint"), false),
            new Column("price", ColumnType.of(TypeKind.DECIMAL, "numeric(10,2)"), true),
            new Column("doc", ColumnType.of(TypeKind.JSON, "json"), true),
            new Column("at", ColumnType.of(TypeKind.TIMESTAMPTZ, "timestamptz"), true),
            new Column("data", ColumnType.of(TypeKind.BYTES, "bytea"), true),
            new Column("tags", ColumnType.arrayOf(ColumnType.of(TypeKind.TEXT, "text"), "text[]"), true)),
            List.of("id"));

    /** Rows held in memory, served in key order like a database would. */
    static final class MemoryRows implements RowSource {
        final List<Object[]> rows;
        final TableDiff diff;
        final Comparator<Object[]> order;
        int reads;

        MemoryRows(TableSchema schema, List<Object[]> rows) {
            this.diff = new TableDiff(schema, 1, 0);
            this.order = KeyOrder.of(schema);
            this.rows = new ArrayList<>(rows);
            this.rows.sort((a, b) -> order.compare(diff.keyOf(a), diff.keyOf(b)));
        }

        @Override
        public List<Object[]> rows(Object[] after, Object[] through, int limit) {
            reads++;
            List<Object[]> out = new ArrayList<>();
            for (Object[] r : rows) {
                Object[] k = diff.keyOf(r);
                if ((after == null || order.compare(k, after) > 0) && (through == null || order.compare(k, through) <= 0)
                        && out.size() < limit) {
                    out.add(r);
                }
            }
            return out;
        }
    }

    private static Object[] row(long id, String price) {
        return new Object[] {id, new BigDecimal(price), "{\"a\": 1, \"b\": [true, null]}",
                Instant.parse("2024-05-01T10:00:00.123456Z"), new byte[] {1, 2, (byte) 0xff}, List.of("x", "y")};
    }

    private static List<Object[]> rows(int n) {
        List<Object[]> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            out.add(row(i, i + ".50"));
        }
        return out;
    }

    @Test
    void equalTablesMatchAcrossRepresentations() {
        List<Object[]> target = new ArrayList<>();
        for (Object[] r : rows(95)) {
            Object[] t = r.clone();
            t[1] = ((BigDecimal) r[1]).setScale(6);                      // 1.500000 vs 1.50
            t[2] = "{\"b\":[true,null],\"a\":1.0}";                       // reordered, respaced, 1.0
            t[4] = ((byte[]) r[4]).clone();                                // equal content, other array
            target.add(t);
        }
        TableDiff.Result r = new TableDiff(SCHEMA, 10, 20).compare(new MemoryRows(SCHEMA, rows(95)),
                new MemoryRows(SCHEMA, target));
        assertThat(r.matches()).isTrue();
        assertThat(r.sourceRows()).isEqualTo(95);
        assertThat(r.targetRows()).isEqualTo(95);
        assertThat(r.chunks()).isEqualTo(10);
        assertThat(r.chunksDiffering()).isZero();
    }

    @Test
    void namesChangedMissingAndExtraRows() {
        List<Object[]> target = rows(50);
        target.set(11, row(12, "99.00"));     // changed
        target.remove(29);                     // id 30 missing
        target.add(row(1000, "1.00"));         // extra after the last source key
        target.add(row(-5, "1.00"));           // extra before the first
        TableDiff.Result r = new TableDiff(SCHEMA, 10, 20).compare(new MemoryRows(SCHEMA, rows(50)),
                new MemoryRows(SCHEMA, target));
        assertThat(r.matches()).isFalse();
        assertThat(r.sourceRows()).isEqualTo(50);
        assertThat(r.targetRows()).isEqualTo(51);
        assertThat(r.chunks()).isEqualTo(6);
        assertThat(r.chunksDiffering()).isEqualTo(4);
        assertThat(r.differences()).extracting(TableDiff.Difference::key).containsExactly("-5", "12", "30", "1000");
        TableDiff.Difference changed = r.differences().get(1);
        assertThat(changed.sourceRow()).startsWith("(12, 12.50, '{\"a\": 1").contains("'\\x0102ff'", "['x', 'y']");
        assertThat(changed.targetRow()).startsWith("(12, 99.00, ");
        assertThat(r.differences().get(0).sourceRow()).isNull();
        assertThat(r.differences().get(2).targetRow()).isNull();
    }

    @Test
    void valueDifferencesThatLookAlikeAreFound() {
        List<Object[]> target = rows(3);
        target.get(0)[4] = new byte[] {1, 2, (byte) 0xfe};
        target.get(1)[3] = Instant.parse("2024-05-01T10:00:00.123457Z");
        target.get(2)[5] = List.of("x", "Y");
        TableDiff.Result r = new TableDiff(SCHEMA, 2, 20).compare(new MemoryRows(SCHEMA, rows(3)),
                new MemoryRows(SCHEMA, target));
        assertThat(r.differences()).extracting(TableDiff.Difference::key).containsExactly("1", "2", "3");
    }

    @Test
    void anArrayDifferingOnlyInItsLowerBoundsIsADifference() {
        List<Object[]> source = rows(4);
        source.get(0)[5] = new BoundedArray(List.of(0), List.of("x", "y"));
        source.get(1)[5] = new BoundedArray(List.of(0), List.of("x", "y"));
        source.get(2)[5] = new BoundedArray(List.of(-3, 2), List.of(List.of("x"), List.of("y")));
        List<Object[]> target = rows(4);
        target.get(0)[5] = List.of("x", "y");                                      // bounds lost
        target.get(1)[5] = new BoundedArray(List.of(0), List.of("x", "y"));        // kept
        target.get(2)[5] = new BoundedArray(List.of(-3, 1), List.of(List.of("x"), List.of("y")));
        target.get(3)[5] = new BoundedArray(List.of(2), List.of("x", "y"));        // gained
        TableDiff.Result r = new TableDiff(SCHEMA, 2, 20).compare(new MemoryRows(SCHEMA, source),
                new MemoryRows(SCHEMA, target));
        assertThat(r.differences()).extracting(TableDiff.Difference::key).containsExactly("1", "3", "4");
        assertThat(r.differences().get(0).sourceRow()).endsWith("[0:1]=['x', 'y'])");
        assertThat(r.differences().get(0).targetRow()).endsWith(", ['x', 'y'])");
        assertThat(r.differences().get(1).targetRow()).endsWith("[-3:-2][1:1]=[['x'], ['y']])");
    }

    @Test
    void capsTheListedDifferences() {
        List<Object[]> target = new ArrayList<>();
        for (int i = 1; i <= 100; i++) {
            target.add(row(i, "0.01"));
        }
        TableDiff.Result r = new TableDiff(SCHEMA, 10, 5).compare(new MemoryRows(SCHEMA, rows(100)),
                new MemoryRows(SCHEMA, target));
        assertThat(r.differences()).hasSize(5);
        assertThat(r.chunksDiffering()).isEqualTo(10);
    }

    @Test
    void emptyTablesMatchAndEmptyTargetListsEveryRow() {
        MemoryRows none = new MemoryRows(SCHEMA, List.of());
        assertThat(new TableDiff(SCHEMA, 10, 20).compare(none, none).matches()).isTrue();
        TableDiff.Result r = new TableDiff(SCHEMA, 10, 20).compare(new MemoryRows(SCHEMA, rows(3)), none);
        assertThat(r.targetRows()).isZero();
        assertThat(r.differences()).hasSize(3).allMatch(d -> d.targetRow() == null);
    }

    @Test
    void compositeTextKeysOrderByCodePoint() {
        TableSchema schema = new TableSchema(new TableId("s", "k"), 1, List.of(
                new Column("name", ColumnType.of(TypeKind.TEXT, "text"), false),
                new Column("day", ColumnType.of(TypeKind.DATE, "date"), false),
                new Column("u", ColumnType.of(TypeKind.UUID, "uuid"), true)),
                List.of("name", "day"));
        List<Object[]> rows = new ArrayList<>();
        for (String name : List.of("a", "B", "é", "\uD83D\uDE00", "\uFF21", "a ")) {
            for (int d = 1; d <= 3; d++) {
                rows.add(new Object[] {name, LocalDate.of(2024, 1, d), UUID.nameUUIDFromBytes((name + d).getBytes())});
            }
        }
        List<Object[]> target = new ArrayList<>(rows);
        target.set(7, new Object[] {target.get(7)[0], target.get(7)[1], UUID.randomUUID()});
        TableDiff.Result r = new TableDiff(schema, 4, 20).compare(new MemoryRows(schema, rows),
                new MemoryRows(schema, target));
        assertThat(r.differences()).extracting(TableDiff.Difference::key)
                .containsExactly("'" + rows.get(7)[0] + "', '" + rows.get(7)[1] + "'");
        // U+1F600 sorts after U+FF21 by code point, though String.compareTo says the opposite
        assertThat(KeyOrder.compareCodePoints("\uD83D\uDE00", "\uFF21")).isPositive();
        assertThat("\uD83D\uDE00".compareTo("\uFF21")).isNegative();
        assertThat(KeyOrder.compareCodePoints("a", "a ")).isNegative();
        assertThat(KeyOrder.compareCodePoints("B", "a")).isNegative();
    }

    @Test
    void rowsOutOfKeyOrderAreAnErrorNotADifference() {
        RowSource caseInsensitive = (after, through, limit) -> after == null
                ? List.of(row(2, "1.00"), row(1, "1.00")) : List.of();
        assertThatThrownBy(() -> new TableDiff(SCHEMA, 10, 20).compare(caseInsensitive, caseInsensitive))
                .isInstanceOf(FerryException.class).hasMessageContaining("out of key order");
    }

    @Test
    void unsupportedKeyKindsAreRefused() {
        TableSchema floats = new TableSchema(new TableId("s", "f"), 1, List.of(
                new Column("f", ColumnType.of(TypeKind.FLOAT64, "double precision"), false)), List.of("f"));
        assertThatThrownBy(() -> new TableDiff(floats, 10, 20)).isInstanceOf(FerryException.class)
                .hasMessageContaining("FLOAT64");
    }

    @Test
    void aTableWithoutAKeyIsComparedAsAMultisetOfWholeRows() {
        TableSchema keyless = new TableSchema(new TableId("public", "log"), 1, List.of(
                new Column("level", ColumnType.of(TypeKind.TEXT, "text"), true),
                new Column("value", ColumnType.of(TypeKind.FLOAT64, "double precision"), true)), List.of());
        Object[] warn = {"warn", 1.5};
        Object[] info = {"info", null};
        List<Object[]> source = List.of(warn, info, warn);
        RowSource sourceRows = (after, through, limit) -> source;
        TableDiff diff = new TableDiff(keyless, 10, 20);

        TableDiff.Result same = diff.compare(sourceRows, (after, through, limit) -> List.of(info, warn, warn));
        TableDiff.Result oneCopyMissing = diff.compare(sourceRows, (after, through, limit) -> List.of(warn, info));
        TableDiff.Result changed = diff.compare(sourceRows,
                (after, through, limit) -> List.of(warn, new Object[] {"info", 0.0}, warn));

        assertThat(same.matches()).isTrue();
        assertThat(oneCopyMissing.matches()).isFalse();
        assertThat(oneCopyMissing.differences()).hasSize(1);
        assertThat(oneCopyMissing.differences().get(0).targetRow()).isNull();
        assertThat(oneCopyMissing.differences().get(0).sourceRow()).contains("warn");
        assertThat(changed.matches()).isFalse();
        assertThat(changed.differences()).extracting(TableDiff.Difference::sourceRow, TableDiff.Difference::targetRow)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("('info', NULL)", null),
                        org.assertj.core.groups.Tuple.tuple(null, "('info', 0.0)"));
    }

    @Test
    void canonicalJson() {
        assertThat(CanonicalJson.canonical(" {\"b\" : [1.50, \"x\\u0041\\n\"], \"a\":{}} "))
                .isEqualTo("{\"a\":{},\"b\":[1.5,\"xA\\u000a\"]}");
        assertThat(CanonicalJson.canonical("not json")).isEqualTo("not json");
        assertThat(CanonicalJson.canonical("1e2")).isEqualTo(CanonicalJson.canonical("100.0"));
    }
}
