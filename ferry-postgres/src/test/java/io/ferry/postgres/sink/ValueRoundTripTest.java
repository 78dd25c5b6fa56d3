package io.ferry.postgres.sink;

import io.ferry.core.schema.SchemaHistory;
import static io.ferry.core.apply.Events.col;
import static io.ferry.core.apply.Events.insert;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.core.BoundedArray;
import io.ferry.core.ChangeEvent;
import io.ferry.core.ColumnType;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.sink.jdbc.JdbcSink;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every kind of value lands exactly and reads back equal, through both upsert strategies and COPY of new rows. */
class ValueRoundTripTest {

    private static final ColumnType INT = ColumnType.of(TypeKind.INT32, "integer");
    private static final ColumnType TEXT = ColumnType.of(TypeKind.TEXT, "text");

    static final TableSchema ALL_KINDS = new TableSchema(new TableId("source", "all kinds"), 1, List.of(
            col("id", TypeKind.INT32, "integer"),
            col("i16", TypeKind.INT16, "smallint"),
            col("i64", TypeKind.INT64, "bigint"),
            col("num", TypeKind.DECIMAL, "numeric"),
            col("num scaled", TypeKind.DECIMAL, "numeric(40,10)"),
            col("f32", TypeKind.FLOAT32, "real"),
            col("f64", TypeKind.FLOAT64, "double precision"),
            col("bool", TypeKind.BOOLEAN, "boolean"),
            col("txt", TypeKind.TEXT, "text"),
            col("vc", TypeKind.TEXT, "character varying(20)"),
            col("bytes", TypeKind.BYTES, "bytea"),
            col("d", TypeKind.DATE, "date"),
            col("t", TypeKind.TIME, "time without time zone"),
            col("ttz", TypeKind.TIMETZ, "time with time zone"),
            col("ts", TypeKind.TIMESTAMP, "timestamp without time zone"),
            col("tstz", TypeKind.TIMESTAMPTZ, "timestamp with time zone"),
            col("iv", TypeKind.INTERVAL, "interval"),
            col("uuid", TypeKind.UUID, "uuid"),
            col("json", TypeKind.JSON, "json"),
            col("jsonb", TypeKind.JSON, "jsonb"),
            col("mood", TypeKind.ENUM, "\"Sales Dept\".mood"),
            col("point", TypeKind.UNKNOWN, "point"),
            col("ints", ColumnType.arrayOf(INT, "integer[]")),
            col("texts", ColumnType.arrayOf(TEXT, "text[]")),
            col("moods", ColumnType.arrayOf(ColumnType.of(TypeKind.ENUM, "mood"), "mood[]")),
            col("stamps", ColumnType.arrayOf(ColumnType.of(TypeKind.TIMESTAMPTZ, "timestamp with time zone"),
                    "timestamp with time zone[]"))),
            List.of("id"));

    static Stream<Arguments> writers() {
        return Stream.of(
                Arguments.of("insert-values", (Supplier<PostgresDialect>) () ->
                        new PostgresDialect(new InsertValuesWriter(), null, Integer.MAX_VALUE, Integer.MAX_VALUE)),
                Arguments.of("copy-merge", (Supplier<PostgresDialect>) () ->
                        new PostgresDialect(null, new CopyMergeWriter(), 0, Integer.MAX_VALUE)),
                Arguments.of("copy-new-rows", (Supplier<PostgresDialect>) () ->
                        new PostgresDialect(null, null, Integer.MAX_VALUE, 0)));
    }

    static List<Object[]> rows() {
        List<Object[]> rows = new ArrayList<>();
        rows.add(new Object[] {1, Short.MIN_VALUE, Long.MIN_VALUE,
                new BigDecimal("1234567890123456789012345678.901234567890"), new BigDecimal("-0.0000000001"),
                -0.0f, -0.0, true, "héllo 😀 \t\n\\ \"q\" 'x'", "varchar ✓",
                new byte[] {0, 1, 0, (byte) 255, '\\', '\n'},
                LocalDate.of(-43, 3, 15), LocalTime.of(23, 59, 59, 999_999_000),
                OffsetTime.of(10, 15, 30, 123_456_000, ZoneOffset.ofHoursMinutes(5, 30)),
                LocalDateTime.of(2024, 2, 29, 12, 0, 0, 1_000), Instant.parse("2024-06-01T10:15:30.000001Z"),
                "P1Y2M3DT4H5M6.000007S", UUID.fromString("123e4567-e89b-12d3-a456-426614174000"),
                "{\"b\":  1, \"a\": [true, null]}", "{\"a\": 1, \"b\": \"😀\"}", "happy", "(1,2)",
                Arrays.asList(1, null, 3), Arrays.asList("a,b", "\"q\"", "NULL", null, "", "back\\slash", "{}"),
                List.of("happy", "sad"), List.of(Instant.parse("2000-01-01T00:00:00.5Z"))});
        rows.add(new Object[] {2, Short.MAX_VALUE, Long.MAX_VALUE, "NaN", new BigDecimal("123456789012345678901234567890.0123456789"),
                Float.NEGATIVE_INFINITY, Double.MIN_VALUE, false, "", "",
                new byte[0], LocalDate.MAX, LocalTime.MAX,
                OffsetTime.of(0, 0, 0, 1_000, ZoneOffset.ofHours(-3)),
                LocalDateTime.of(-99, 1, 1, 0, 0, 0, 0), Instant.MIN,
                "PT0S", new UUID(0, 0), "[]", "[]", "sad", "(0,0)",
                List.of(List.of(1, 2), List.of(3, 4)), List.of(), List.of(), List.of()});
        rows.add(new Object[] {3, (short) 0, 0L, "Infinity", BigDecimal.ZERO.setScale(10), Float.NaN, Double.NaN,
                null, "x", null, null, LocalDate.MIN, LocalTime.MIDNIGHT,
                OffsetTime.of(23, 59, 59, 0, ZoneOffset.UTC), LocalDateTime.MAX, Instant.MAX,
                "P-1Y-2M3DT-4H-5M-6.5S", null, "null", "null", null, null, null, null, null, null});
        Object[] nulls = new Object[ALL_KINDS.columns().size()];
        nulls[0] = 4;
        nulls[3] = "-Infinity";
        rows.add(nulls);
        // Arrays whose lower bounds are not 1 land with the same bounds (docs/types.md).
        Object[] bounded = new Object[ALL_KINDS.columns().size()];
        bounded[0] = 5;
        bounded[3] = BigDecimal.ONE;
        int arrays = bounded.length - 4;
        bounded[arrays] = new BoundedArray(List.of(-2, 3), List.of(Arrays.asList(1, null), List.of(3, 4)));
        bounded[arrays + 1] = new BoundedArray(List.of(0), Arrays.asList("a,b", "\"q\"", "NULL", null, "", "{}"));
        bounded[arrays + 2] = new BoundedArray(List.of(2147483646), List.of("sad"));
        bounded[arrays + 3] = new BoundedArray(List.of(-2147483648),
                Arrays.asList(Instant.parse("2000-01-01T00:00:00.5Z"), null));
        rows.add(bounded);
        return rows;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("writers")
    void everyKindOfValueLandsExactlyAndReadsBackEqual(String name, Supplier<PostgresDialect> dialect) {
        String schema = TargetDb.freshSchema();
        List<ChangeEvent> events = new ArrayList<>();
        for (Object[] row : rows()) {
            events.add(insert(ALL_KINDS, row));
        }
        try (JdbcSink sink = new JdbcSink(TargetDb.config(schema), dialect.get());
             PostgresTableReader reader = new PostgresTableReader(TargetDb.config(schema))) {
            sink.ensureTable(ALL_KINDS, SchemaHistory.NONE);
            sink.apply(events, List.of());

            List<Object[]> back = reader.readChunk(ALL_KINDS, null, 100);

            assertThat(back).hasSize(rows().size());
            for (int r = 0; r < back.size(); r++) {
                Object[] expected = rows().get(r);
                for (int c = 0; c < expected.length; c++) {
                    assertThat(back.get(r)[c]).as("row %d column %s", r + 1, ALL_KINDS.columns().get(c).name())
                            .isEqualTo(expected[c]);
                }
            }
        }
    }
}
