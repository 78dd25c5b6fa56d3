package io.ferry.iceberg;

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
import io.ferry.core.schema.SchemaChanges;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of value goes into an Iceberg table with its exact type and comes back equal through the reader
 * {@code ferry verify} uses.
 */
class TypeRoundTripTest {

    @TempDir
    Path warehouse;

    @Test
    void anArrayWhoseLowerBoundsAreNotOneIsRefusedByName() {
        TableSchema arrays = new TableSchema(new TableId("source", "arrays"), 1, List.of(
                col("id", TypeKind.INT32, "integer"),
                new Column("arr", ColumnType.arrayOf(ColumnType.of(TypeKind.INT32, "integer"), "integer[]"), true)),
                List.of("id"));
        IcebergTarget target = new IcebergTarget(warehouse.toString());
        try (IcebergSink sink = new IcebergSink(target.config("arrays", SchemaChanges.DEFAULT, Map.of()))) {
            assertThatThrownBy(() -> sink.apply(List.of(insert(arrays, 1, new BoundedArray(List.of(-1, 5),
                    List.of(List.of(1), List.of(2))))), List.of()))
                    .isInstanceOf(Sink.RejectedChangeException.class)
                    .hasMessageContaining("Iceberg table").hasMessageContaining("key {id=1}")
                    .hasMessageContaining("column arr: an Iceberg list cannot keep the lower bounds of the ARRAY value"
                            + " [-1:0][5:5]=[[1], [2]]");
        }
    }

    @Test
    void valuesBeyondIcebergsTypesAreRefusedByNameNotWrappedOrTruncated() {
        TableSchema edges = new TableSchema(new TableId("source", "edges"), 1, List.of(
                col("id", TypeKind.INT32, "integer"), col("day", TypeKind.DATE, "date"),
                col("clock", TypeKind.TIME, "time"), col("ts", TypeKind.TIMESTAMP, "timestamp"),
                col("tstz", TypeKind.TIMESTAMPTZ, "timestamptz"),
                new Column("md", ColumnType.arrayOf(ColumnType.of(TypeKind.TEXT, "text"), "text[]"), true)),
                List.of("id"));
        // PostgreSQL's infinities, its 24:00:00, and a two-dimensional value in a column declared with one.
        Map<Integer, String> refusals = Map.of(
                1, "column day: date +999999999-12-31 is outside Iceberg's date (int days from 1970-01-01)",
                2, "column clock: time 24:00:00 has no Iceberg time (00:00:00 to 23:59:59.999999)",
                3, "column ts: timestamp -999999999-01-01T00:00 is outside Iceberg's timestamp",
                4, "column tstz: timestamp +1000000000-12-31T23:59:59.999999999Z is outside Iceberg's timestamptz",
                5, "column md: the ARRAY value [[a], [b]] has more dimensions than the Iceberg column's type"
                        + " list<string>");
        Object[][] rows = {{1, LocalDate.MAX, null, null, null, null}, {2, null, LocalTime.MAX, null, null, null},
                {3, null, null, LocalDateTime.MIN, null, null}, {4, null, null, null, Instant.MAX, null},
                {5, null, null, null, null, List.of(List.of("a"), List.of("b"))}};
        IcebergTarget target = new IcebergTarget(warehouse.toString());
        try (IcebergSink sink = new IcebergSink(target.config("edges", SchemaChanges.DEFAULT, Map.of()))) {
            for (Object[] row : rows) {
                assertThatThrownBy(() -> sink.apply(List.of(insert(edges, row)), List.of()))
                        .isInstanceOf(Sink.RejectedChangeException.class)
                        .hasMessageContaining("key {id=" + row[0] + "}")
                        .hasMessageContaining(refusals.get((Integer) row[0]));
            }
        }
    }

    @Test
    void everyKindIsStoredWithItsIcebergTypeAndReadsBackExactly() {
        TableSchema all = new TableSchema(new TableId("source", "kinds"), 1, List.of(
                col("id", TypeKind.INT32, "integer"), col("small", TypeKind.INT16, "smallint"),
                col("big", TypeKind.INT64, "bigint"), col("exact", TypeKind.DECIMAL, "numeric(38,10)"),
                col("unbounded", TypeKind.DECIMAL, "numeric"), col("f", TypeKind.FLOAT32, "real"),
                col("d", TypeKind.FLOAT64, "double precision"), col("b", TypeKind.BOOLEAN, "boolean"),
                col("t", TypeKind.TEXT, "text"), col("bytes", TypeKind.BYTES, "bytea"),
                col("day", TypeKind.DATE, "date"), col("clock", TypeKind.TIME, "time"),
                col("span", TypeKind.DURATION, "time"), col("clocktz", TypeKind.TIMETZ, "timetz"),
                col("ts", TypeKind.TIMESTAMP, "timestamp"), col("tstz", TypeKind.TIMESTAMPTZ, "timestamptz"),
                col("iv", TypeKind.INTERVAL, "interval"), col("u", TypeKind.UUID, "uuid"),
                col("j", TypeKind.JSON, "jsonb"), col("e", TypeKind.ENUM, "mood"),
                new Column("arr", ColumnType.arrayOf(ColumnType.of(TypeKind.INT32, "integer"), "integer[]"), true),
                col("ubig", TypeKind.DECIMAL, "bigint unsigned")), List.of("id"));
        Object[] values = {1, (short) -7, Long.MIN_VALUE, new BigDecimal("1234567890123456789012345678.0123456789"),
                "NaN", 1.5f, Math.PI, true, "ünïcødé ✓", new byte[] {0, 1, -1},
                LocalDate.of(1, 1, 1), LocalTime.of(23, 59, 59, 999_999_000), Duration.parse("-PT838H59M59.999999S"),
                OffsetTime.of(1, 2, 3, 4_000, ZoneOffset.ofHours(-5)), LocalDateTime.of(2024, 2, 29, 12, 0, 0, 1_000),
                Instant.parse("1969-12-31T23:59:59.999999Z"), "P1Y2M3DT4H5M6.000007S", UUID.randomUUID(),
                "{\"a\": [1, 2]}", "happy", Arrays.asList(1, null, 3), new BigDecimal("18446744073709551615")};
        Object[] nulls = new Object[values.length];
        nulls[0] = 2;
        IcebergTarget target = new IcebergTarget(warehouse.toString());

        try (IcebergSink sink = new IcebergSink(target.config("kinds", SchemaChanges.DEFAULT, Map.of()))) {
            sink.apply(List.of(insert(all, values), insert(all, nulls)), List.of());
        }

        Types.StructType struct = target.table("kinds", "kinds").schema().asStruct();
        assertThat(typeOf(struct, "exact")).isEqualTo(Types.DecimalType.of(38, 10));
        assertThat(typeOf(struct, "unbounded")).isEqualTo(Types.StringType.get());
        assertThat(typeOf(struct, "ubig")).isEqualTo(Types.DecimalType.of(20, 0));
        assertThat(typeOf(struct, "tstz")).isEqualTo(Types.TimestampType.withZone());
        assertThat(typeOf(struct, "ts")).isEqualTo(Types.TimestampType.withoutZone());
        assertThat(typeOf(struct, "u")).isEqualTo(Types.UUIDType.get());
        assertThat(typeOf(struct, "bytes")).isEqualTo(Types.BinaryType.get());
        assertThat(typeOf(struct, "span")).isEqualTo(Types.LongType.get());
        assertThat(typeOf(struct, "arr").isListType()).isTrue();
        SinkOnly config = new SinkOnly(target);
        try (TargetTables tables = new IcebergConnector().targetTables(config.config)) {
            List<Object[]> back = tables.rows(all).rows(null, null, 10);
            assertThat(back).hasSize(2);
            assertThat(back.get(0)).containsExactly(values);
            assertThat(back.get(1)).containsExactly(nulls);
        }
    }

    private static Type typeOf(Types.StructType struct, String name) {
        return struct.field(name).type();
    }

    private static Column col(String name, TypeKind kind, String type) {
        return new Column(name, ColumnType.of(kind, type), true);
    }

    /** The sink configuration the verify reader is given. */
    private record SinkOnly(io.ferry.core.config.SinkConfig config) {
        SinkOnly(IcebergTarget target) {
            this(target.config("kinds", SchemaChanges.DEFAULT, Map.of()));
        }
    }
}
