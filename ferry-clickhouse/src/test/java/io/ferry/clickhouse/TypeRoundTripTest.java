package io.ferry.clickhouse;

import static io.ferry.core.apply.Events.insert;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.core.BoundedArray;
import io.ferry.core.Column;
import io.ferry.core.ColumnType;
import io.ferry.core.Sink;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.core.connector.TargetTables;
import io.ferry.core.verify.CanonicalValues;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Every {@link TypeKind}, with its awkward values, written by the sink and read back by {@code ferry verify}'s
 * reader on the real server: each value comes back exactly (canonically equal), NULLs included.
 */
class TypeRoundTripTest {

    private static final ClickHouseTestServer CH = ClickHouseTestServer.shared();

    private static final ColumnType INT_ARRAY = ColumnType.arrayOf(ColumnType.of(TypeKind.INT32, "integer"), "integer[]");
    private static final ColumnType TEXT_MATRIX = ColumnType.arrayOf(ColumnType.arrayOf(ColumnType.of(TypeKind.TEXT,
            "text"), "text[]"), "text[]");
    private static final ColumnType STAMP_ARRAY = ColumnType.arrayOf(ColumnType.of(TypeKind.TIMESTAMPTZ,
            "timestamptz"), "timestamptz[]");
    private static final TableSchema ALL = new TableSchema(new TableId("source", "all_types"), 1, List.of(
            col("id", TypeKind.INT32, "integer"), col("i16", TypeKind.INT16, "smallint"),
            col("i64", TypeKind.INT64, "bigint"), col("dec", TypeKind.DECIMAL, "numeric(38,10)"),
            col("unbounded", TypeKind.DECIMAL, "numeric"), col("f32", TypeKind.FLOAT32, "real"),
            col("f64", TypeKind.FLOAT64, "double precision"), col("flag", TypeKind.BOOLEAN, "boolean"),
            col("txt", TypeKind.TEXT, "text"), col("bin", TypeKind.BYTES, "bytea"), col("day", TypeKind.DATE, "date"),
            col("tod", TypeKind.TIME, "time"), col("dur", TypeKind.DURATION, "time(6)"),
            col("todz", TypeKind.TIMETZ, "timetz"), col("ts", TypeKind.TIMESTAMP, "timestamp"),
            col("tstz", TypeKind.TIMESTAMPTZ, "timestamptz"), col("iv", TypeKind.INTERVAL, "interval"),
            col("u", TypeKind.UUID, "uuid"), col("doc", TypeKind.JSON, "jsonb"), col("mood", TypeKind.ENUM, "mood"),
            new Column("ints", INT_ARRAY, true), new Column("words", TEXT_MATRIX, true),
            new Column("stamps", STAMP_ARRAY, true), col("other", TypeKind.UNKNOWN, "point")), List.of("id"));

    @Test
    void everyKindReadsBackExactly() {
        Object[] awkward = {1, Short.MIN_VALUE, Long.MAX_VALUE, new BigDecimal("-1234567890123456789012345678.0123456789"),
                new BigDecimal("12345678901234567890123456789012345678901234567890.5"), -0.0f, -Double.MIN_VALUE, true,
                "tab\there, newline\n, backslash \\ and 'quote', ü, 😀, \\N", new byte[] {0, 9, 10, 13, 92, -1, 78},
                LocalDate.of(1970, 1, 1), LocalTime.MAX, Duration.parse("-PT838H59M59.999999S"),
                OffsetTime.of(LocalTime.of(23, 59, 59, 999_999_000), ZoneOffset.ofHoursMinutes(-9, -30)),
                LocalDateTime.of(1, 1, 1, 0, 0, 0, 1000), Instant.parse("2262-04-11T23:47:16.854775Z"),
                "P1Y2M3DT4H5M6.000007S", UUID.fromString("123e4567-e89b-12d3-a456-426614174000"),
                "{\"a\": [1, 2.50, null], \"b\": \"\\u00fc\"}", "sad", Arrays.asList(1, null, -3),
                List.of(List.of("a", "b\tc"), Arrays.asList(null, "\"")),
                List.of(Instant.parse("1999-12-31T23:59:59.123456Z")), "(1.5,2)"};
        Object[] plain = {2, (short) 1, 2L, BigDecimal.ZERO, "NaN", Float.NaN, 27.0 / 7, false, "",
                new byte[0], LocalDate.of(2105, 12, 31), LocalTime.MIDNIGHT, Duration.ZERO,
                OffsetTime.of(LocalTime.MAX, ZoneOffset.UTC), LocalDateTime.of(9999, 12, 31, 23, 59, 59, 999_999_000),
                Instant.EPOCH, "PT0S", new UUID(0, 0), "[]", "", List.of(), List.of(), List.of(), ""};
        Object[] nulls = new Object[ALL.columns().size()];
        nulls[0] = 3;
        String database = CH.freshDatabase();
        try (Sink sink = new ClickHouseConnector().sink(CH.config(database))) {
            sink.apply(List.of(insert(ALL, awkward), insert(ALL, plain), insert(ALL, nulls)), List.of());

            try (TargetTables tables = new ClickHouseConnector().targetTables(CH.config(database))) {
                List<Object[]> back = tables.rows(ALL).rows(null, null, 10);
                assertThat(back).hasSize(3);
                assertSame(back.get(0), awkward);
                assertSame(back.get(1), plain);
                assertSame(back.get(2), nulls);
            }
        }
    }

    @Test
    void valuesOutsideWhatTheServerHoldsAreRefusedNotShifted() {
        TableSchema dates = new TableSchema(new TableId("source", "dates"), 1, List.of(col("id", TypeKind.INT32,
                "integer"), col("d", TypeKind.DATE, "date"), col("ts", TypeKind.TIMESTAMP, "timestamp")), List.of("id"));
        try (Sink sink = new ClickHouseConnector().sink(CH.config(CH.freshDatabase()))) {
            assertThatThrownBy(() -> sink.apply(List.of(insert(dates, 1, LocalDate.MAX, null)), List.of()))
                    .isInstanceOf(Sink.RejectedChangeException.class).hasMessageContaining("outside ClickHouse Date");
            assertThatThrownBy(() -> sink.apply(List.of(insert(dates, 1, null, LocalDateTime.MIN)), List.of()))
                    .isInstanceOf(Sink.RejectedChangeException.class).hasMessageContaining("outside years 0 to 9999");
        }
        // A JSON array has no lower bounds: a PostgreSQL array whose bounds are not 1 is refused, naming them.
        TableSchema arrays = new TableSchema(new TableId("source", "arrays"), 1, List.of(col("id", TypeKind.INT32,
                "integer"), new Column("ints", INT_ARRAY, true)), List.of("id"));
        try (Sink sink = new ClickHouseConnector().sink(CH.config(CH.freshDatabase()))) {
            assertThatThrownBy(() -> sink.apply(List.of(insert(arrays, 1, new BoundedArray(List.of(0),
                    Arrays.asList(1, null)))), List.of())).isInstanceOf(Sink.RejectedChangeException.class)
                    .hasMessageContaining("table").hasMessageContaining("column ints")
                    .hasMessageContaining("lower bounds of the ARRAY value [0:1]=[1, null]");
        }
    }

    private static void assertSame(Object[] actual, Object[] expected) {
        for (int i = 0; i < expected.length; i++) {
            TableSchema one = new TableSchema(ALL.table(), 1, List.of(ALL.columns().get(i)), List.of());
            assertThat(CanonicalValues.encode(one, new Object[] {actual[i]})).as(ALL.columns().get(i).name() + ": "
                    + CanonicalValues.format(new Object[] {actual[i]}) + " read back for "
                    + CanonicalValues.format(new Object[] {expected[i]}))
                    .isEqualTo(CanonicalValues.encode(one, new Object[] {expected[i]}));
        }
    }

    private static Column col(String name, TypeKind kind, String type) {
        return new Column(name, ColumnType.of(kind, type), true);
    }
}
