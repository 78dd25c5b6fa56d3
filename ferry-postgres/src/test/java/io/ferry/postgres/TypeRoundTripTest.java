package io.ferry.postgres;

import io.ferry.core.RecordingHandler;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.BoundedArray;
import io.ferry.core.ChangeEvent;
import io.ferry.core.Operation;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.core.config.SourceConfig.SnapshotMode;
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
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every supported type reaches the handler as the exact Java value, identically from snapshot and stream; arrays
 * with lower bounds other than 1 keep them.
 */
class TypeRoundTripTest {

    private static final PostgresTestServer PG = PostgresTestServer.shared();
    private static final String SLOT = "types_slot";

    private static final String COLUMNS = "i2, i4, i8, num, num_any, f4, f8, b, t, vc, c, by, d, tm, ttz, ts, tstz,"
            + " iv, u, j, jb, m, arr_t, arr_i, ip, mo, dom";

    private static final String ROW_MAX = "32767, 2147483647, 9223372036854775807,"
            + " '123456789012345678901234567890.12345678901234567890', 'NaN', 'NaN', '-0.0', true,"
            + " 'emoji 😀 ünïcode', 'short', 'ab', '\\x00ff0001'::bytea, '0044-03-15 BC', '23:59:59.999999',"
            + " '13:45:06.123456+05:30', '2024-02-29 12:34:56.789012', '2024-02-29 12:34:56.789012+05:30',"
            + " '1 year 2 months 3 days 04:05:06.000007', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',"
            + " '{\"k\": \"värde ☃\", \"n\": [1, 2.50]}', '{\"b\": 1, \"a\": \"x\"}', 'happy ☺',"
            + " ARRAY['a b', NULL, 'quo\"te', 'back\\slash', 'NULL', '', '{x,y}'], '{{1,2},{3,NULL}}',"
            + " '192.168.0.1/24', '12.34', 5";

    private static final String ROW_MIN = "-32768, -2147483648, -9223372036854775808, '-0.00000000000000000001',"
            + " '-Infinity', '-Infinity', 'Infinity', false, '', '', '', ''::bytea, 'infinity', '00:00:00',"
            + " '00:00:00-03', '-infinity', 'infinity', 'P0D', '00000000-0000-0000-0000-000000000000', 'null',"
            + " '[]', 'sad', '{}', '{}', '::1', '-0.01', 1";

    private static final String ROW_FLOATS = "0, 0, 0, '0', '1e-30', '3.4028235e38', '1.7976931348623157e308',"
            + " NULL, NULL, NULL, NULL, NULL, '2000-01-01', '24:00:00', '23:59:59.5+14', '1999-12-31 23:59:59',"
            + " '1970-01-01 00:00:00.000001+00', '-1 days -00:00:01', NULL, NULL, NULL, NULL, '[0:1]={a,NULL}',"
            + " '[-2:-1][3:4]={{1,NULL},{3,4}}', NULL, NULL, NULL";

    @BeforeAll
    static void createTable() {
        PG.execute("CREATE TYPE mood AS ENUM ('sad', 'happy ☺')",
                "CREATE DOMAIN posint AS integer CHECK (VALUE > 0)",
                "CREATE TABLE types_t (id int PRIMARY KEY, i2 int2, i4 int4, i8 int8, num numeric(50,20),"
                        + " num_any numeric, f4 real, f8 double precision, b boolean, t text, vc varchar(10),"
                        + " c char(5), by bytea, d date, tm time, ttz timetz, ts timestamp, tstz timestamptz,"
                        + " iv interval, u uuid, j json, jb jsonb, m mood, arr_t text[], arr_i int[][], ip inet,"
                        + " mo money, dom posint)",
                "INSERT INTO types_t (id, " + COLUMNS + ") VALUES (1, " + ROW_MAX + "), (2, " + ROW_MIN + "),"
                        + " (3, " + ROW_FLOATS + ")",
                "INSERT INTO types_t (id) VALUES (4)");
    }

    @AfterAll
    static void dropSlot() {
        PG.dropSlot(SLOT);
    }

    @Test
    void snapshotAndStreamingDeliverEveryTypeAsItsExactJavaValue() throws Exception {
        PostgresSource source = new PostgresSource(PG.sourceConfig(List.of("types_t"), SnapshotMode.INITIAL), SLOT);
        source.prepare();
        try (Capture capture = Capture.start(source, Map.of(), true)) {
            RecordingHandler h = capture.handler;
            await().atMost(Duration.ofSeconds(20)).until(() -> h.calls.contains("flush") || capture.failure() != null);
            assertThat(capture.failure()).isNull();
            PG.execute("INSERT INTO types_t (id, " + COLUMNS + ") SELECT id + 10, " + COLUMNS + " FROM types_t");
            await().atMost(Duration.ofSeconds(20)).until(() -> h.changes.size() == 8 || capture.failure() != null);
            assertThat(capture.failure()).isNull();

            List<ChangeEvent> snapshot = h.changes.subList(0, 4);
            List<ChangeEvent> streamed = h.changes.subList(4, 8);
            assertThat(snapshot).extracting(ChangeEvent::op).containsOnly(Operation.READ);
            assertThat(streamed).extracting(ChangeEvent::op).containsOnly(Operation.CREATE);
            assertThat(h.schemas).hasSize(1);
            TableSchema schema = h.schemas.get(0);
            assertThat(schema.primaryKey()).containsExactly("id");
            assertThat(schema.columns().get(schema.indexOf("num")).type().sourceName()).isEqualTo("numeric(50,20)");
            assertThat(schema.columns().get(schema.indexOf("m")).type().kind()).isEqualTo(TypeKind.ENUM);
            assertThat(schema.columns().get(schema.indexOf("arr_i")).type().element().kind()).isEqualTo(TypeKind.INT32);
            assertThat(schema.columns().get(schema.indexOf("ip")).type().kind()).isEqualTo(TypeKind.UNKNOWN);
            assertThat(schema.columns().get(schema.indexOf("ip")).type().sourceName()).isEqualTo("inet");
            assertThat(schema.columns().get(schema.indexOf("dom")).type().kind()).isEqualTo(TypeKind.INT32);

            for (ChangeEvent e : h.changes) {
                int id = (Integer) e.after()[0] % 10;
                Object[] expected = switch (id) {
                    case 1 -> rowMax();
                    case 2 -> rowMin();
                    case 3 -> rowFloats();
                    default -> new Object[28];
                };
                String[] names = ("id, " + COLUMNS).split(", ");
                for (int i = 1; i < names.length; i++) {
                    assertThat(e.after()[i]).as("%s of row %s (%s)", names[i], e.after()[0], e.op())
                            .isEqualTo(expected[i]);
                }
            }
        }
    }

    private static Object[] rowMax() {
        return new Object[] {1, (short) 32767, 2147483647, Long.MAX_VALUE,
            new BigDecimal("123456789012345678901234567890.12345678901234567890"), "NaN", Float.NaN, -0.0d, true,
            "emoji 😀 ünïcode", "short", "ab   ", new byte[] {0, (byte) 0xff, 0, 1}, LocalDate.of(-43, 3, 15),
            LocalTime.of(23, 59, 59, 999_999_000), OffsetTime.of(13, 45, 6, 123_456_000, ZoneOffset.ofHoursMinutes(5, 30)),
            LocalDateTime.of(2024, 2, 29, 12, 34, 56, 789_012_000), Instant.parse("2024-02-29T07:04:56.789012Z"),
            "P1Y2M3DT4H5M6.000007S", UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
            "{\"k\": \"värde ☃\", \"n\": [1, 2.50]}", "{\"a\": \"x\", \"b\": 1}", "happy ☺",
            Arrays.asList("a b", null, "quo\"te", "back\\slash", "NULL", "", "{x,y}"),
            List.of(List.of(1, 2), Arrays.asList(3, null)), "192.168.0.1/24", "$12.34", 5};
    }

    private static Object[] rowMin() {
        return new Object[] {2, (short) -32768, Integer.MIN_VALUE, Long.MIN_VALUE,
            new BigDecimal("-0.00000000000000000001"), "-Infinity", Float.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY,
            false, "", "", "     ", new byte[0], LocalDate.MAX, LocalTime.MIDNIGHT,
            OffsetTime.of(0, 0, 0, 0, ZoneOffset.ofHours(-3)), LocalDateTime.MIN, Instant.MAX, "PT0S",
            new UUID(0, 0), "null", "[]", "sad", List.of(), List.of(), "::1", "-$0.01", 1};
    }

    private static Object[] rowFloats() {
        return new Object[] {3, (short) 0, 0, 0L, new BigDecimal("0.00000000000000000000"), new BigDecimal("1e-30"),
            Float.MAX_VALUE, Double.MAX_VALUE, null, null, null, null, null, LocalDate.of(2000, 1, 1), LocalTime.MAX,
            OffsetTime.of(23, 59, 59, 500_000_000, ZoneOffset.ofHours(14)), LocalDateTime.of(1999, 12, 31, 23, 59, 59),
            Instant.parse("1970-01-01T00:00:00.000001Z"), "P-1DT-1S", null, null, null, null,
            new BoundedArray(List.of(0), Arrays.asList("a", null)),
            new BoundedArray(List.of(-2, 3), List.of(Arrays.asList(1, null), List.of(3, 4))), null, null, null};
    }
}
