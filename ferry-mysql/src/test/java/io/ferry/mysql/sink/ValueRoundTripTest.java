package io.ferry.mysql.sink;

import io.ferry.core.schema.SchemaHistory;
import static io.ferry.core.apply.Events.col;
import static io.ferry.core.apply.Events.insert;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Column;
import io.ferry.core.ColumnType;
import io.ferry.core.Sink;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.sink.jdbc.JdbcSink;
import io.ferry.mysql.MySqlTestServer.Flavor;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Every kind of value, from MySQL and from PostgreSQL sources, lands exactly and reads back equal. */
@ParameterizedClass
@EnumSource(Flavor.class)
class ValueRoundTripTest {

    private static final ColumnType INT = ColumnType.of(TypeKind.INT32, "integer");
    private static final ColumnType TEXT = ColumnType.of(TypeKind.TEXT, "text");

    static final TableSchema ALL_KINDS = new TableSchema(new TableId("source", "all kinds"), 1, List.of(
            col("id", TypeKind.INT32, "int"),
            col("i16", TypeKind.INT16, "smallint"),
            col("tiny", TypeKind.INT16, "tinyint unsigned"),
            col("yr", TypeKind.INT16, "year"),
            col("i32", TypeKind.INT32, "mediumint"),
            col("i64", TypeKind.INT64, "bigint"),
            col("u64", TypeKind.DECIMAL, "bigint unsigned"),
            col("dec", TypeKind.DECIMAL, "decimal(65,30)"),
            col("pgnum", TypeKind.DECIMAL, "numeric"),
            col("f32", TypeKind.FLOAT32, "float"),
            col("f64", TypeKind.FLOAT64, "double"),
            col("bool", TypeKind.BOOLEAN, "boolean"),
            col("txt", TypeKind.TEXT, "text"),
            col("vc", TypeKind.TEXT, "varchar(20)"),
            col("pgvc", TypeKind.TEXT, "character varying(10)"),
            col("setc", TypeKind.TEXT, "set('a','b','c')"),
            col("bytes", TypeKind.BYTES, "bytea"),
            col("bits", TypeKind.BYTES, "bit(12)"),
            col("d", TypeKind.DATE, "date"),
            col("t", TypeKind.TIME, "time(6)"),
            col("ttz", TypeKind.TIMETZ, "time with time zone"),
            col("ts", TypeKind.TIMESTAMP, "datetime(6)"),
            col("tstz", TypeKind.TIMESTAMPTZ, "timestamp with time zone"),
            col("mts", TypeKind.TIMESTAMPTZ, "timestamp(6)"),
            col("iv", TypeKind.INTERVAL, "interval"),
            col("uuid", TypeKind.UUID, "uuid"),
            col("json", TypeKind.JSON, "json"),
            col("mood", TypeKind.ENUM, "enum('happy','sad')"),
            col("pgmood", TypeKind.ENUM, "\"Sales Dept\".mood"),
            col("point", TypeKind.UNKNOWN, "point"),
            col("ints", ColumnType.arrayOf(INT, "integer[]")),
            col("texts", ColumnType.arrayOf(TEXT, "text[]"))),
            List.of("id"));

    static List<Object[]> rows() {
        List<Object[]> rows = new ArrayList<>();
        rows.add(new Object[] {1, Short.MIN_VALUE, (short) 255, (short) 2155, 8_388_607, Long.MIN_VALUE,
                new BigDecimal("18446744073709551615"),
                new BigDecimal("12345678901234567890123456789012345.123456789012345678901234567890"), "NaN",
                -0.0f, -0.0, true, "héllo 😀 \t\n\\ \"q\" 'x'", "varchar ✓ 😀", "ab", "a,c",
                new byte[] {0, 1, 0, (byte) 255, '\\', '\n', '\''}, new byte[] {0x0F, (byte) 0xFF},
                LocalDate.of(1000, 1, 1), LocalTime.of(23, 59, 59, 999_999_000),
                OffsetTime.of(10, 15, 30, 123_456_000, ZoneOffset.ofHoursMinutes(5, 30)),
                LocalDateTime.of(2024, 2, 29, 12, 0, 0, 1_000), Instant.parse("2024-06-01T10:15:30.000001Z"),
                Instant.parse("2038-01-19T03:14:07.999999Z"), "P1Y2M3DT4H5M6.000007S",
                UUID.fromString("123e4567-e89b-12d3-a456-426614174000"), "{\"b\":  1, \"a\": [true, null]}",
                "sad", "happy", "(1,2)", Arrays.asList(1, null, 3), Arrays.asList("a,b", "\"q\"", null, "")});
        rows.add(new Object[] {2, Short.MAX_VALUE, (short) 0, (short) 1901, -8_388_608, Long.MAX_VALUE,
                BigDecimal.ZERO, new BigDecimal("-0.000000000000000000000000000001"),
                new BigDecimal("123456789012345678901234567890123456789012345678901234567890123456789.00000000001"),
                3.1415927f, 2.718281828459045, false, "", "", "", "", new byte[0], new byte[] {0, 0},
                LocalDate.of(9999, 12, 31), LocalTime.MAX, OffsetTime.of(0, 0, 0, 1_000, ZoneOffset.ofHours(-3)),
                LocalDateTime.of(9999, 12, 31, 23, 59, 59, 999_999_000), Instant.parse("1000-01-01T00:00:00Z"),
                Instant.parse("1970-01-01T00:00:01Z"), "PT0S", new UUID(0, 0), "[]", "happy", "sad", "(0,0)",
                List.of(List.of(1, 2), List.of(3, 4)), List.of()});
        Object[] nulls = new Object[ALL_KINDS.columns().size()];
        nulls[0] = 3;
        nulls[8] = "-Infinity";
        // Its shortest text, 3.4028235E38, is above MySQL's FLT_MAX when read back as a double.
        nulls[9] = Float.MAX_VALUE;
        nulls[10] = -Double.MAX_VALUE;
        rows.add(nulls);
        return rows;
    }

    /** JSON text of the arrays as the sink writes them. */
    private static final String[][] ARRAYS = {
        {"[1, null, 3]", "[\"a,b\", \"\\\"q\\\"\", null, \"\"]"},
        {"[[1, 2], [3, 4]]", "[]"},
        {null, null},
    };

    private final TargetDb target;

    ValueRoundTripTest(Flavor flavor) {
        target = new TargetDb(flavor);
    }

    @Test
    void everyKindOfValueLandsExactlyAndReadsBackEqual() throws SQLException {
        String database = target.freshDatabase();
        List<ChangeEvent> events = new ArrayList<>();
        for (Object[] row : rows()) {
            events.add(insert(ALL_KINDS, row));
        }
        try (JdbcSink sink = new JdbcSink(target.config(database), new MySqlDialect())) {
            sink.ensureTable(ALL_KINDS, SchemaHistory.NONE);
            sink.apply(events, List.of());
        }

        List<Object[]> back = readBack(database);
        assertThat(back).hasSize(rows().size());
        for (int r = 0; r < back.size(); r++) {
            Object[] expected = rows().get(r);
            int columns = ALL_KINDS.columns().size();
            expected[columns - 2] = ARRAYS[r][0];
            expected[columns - 1] = ARRAYS[r][1];
            if (r == 0 && target.flavor() == Flavor.MYSQL) {
                // A MySQL 8 json column stores the parsed document and prints it its own way: keys sorted,
                // one space after ':' and ','. MariaDB's json is text with a validity check, kept as written.
                expected[ALL_KINDS.indexOf("json")] = "{\"a\": [true, null], \"b\": 1}";
            }
            for (int c = 0; c < expected.length; c++) {
                assertThat(back.get(r)[c]).as("row %d column %s", r + 1, ALL_KINDS.columns().get(c).name())
                        .isEqualTo(expected[c]);
            }
        }
    }

    @Test
    void mySqlSourceTypesAreKeptVerbatim() {
        // MySQL 8.0.19 and later no longer print integer display widths; MariaDB does.
        boolean widths = target.flavor() == Flavor.MARIADB;
        String database = target.freshDatabase();
        try (JdbcSink sink = new JdbcSink(target.config(database), new MySqlDialect())) {
            sink.ensureTable(ALL_KINDS, SchemaHistory.NONE);
        }

        assertThat(target.query(database, "SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS"
                + " WHERE TABLE_SCHEMA = '" + database + "' AND TABLE_NAME = 'all kinds'"
                + " AND COLUMN_NAME IN ('tiny', 'yr', 'u64', 'dec', 'pgnum', 'vc', 'pgvc', 'setc', 'bits', 'mts', 'mood', 'tstz')"
                + " ORDER BY COLUMN_NAME"))
                .containsExactly(List.of("bits", "bit(12)"), List.of("dec", "decimal(65,30)"),
                        List.of("mood", "enum('happy','sad')"), List.of("mts", "timestamp(6)"),
                        List.of("pgnum", "longtext"), List.of("pgvc", "varchar(10)"),
                        List.of("setc", "set('a','b','c')"), List.of("tiny", widths ? "tinyint(3) unsigned" : "tinyint unsigned"),
                        List.of("tstz", "datetime(6)"), List.of("u64", widths ? "bigint(20) unsigned" : "bigint unsigned"),
                        List.of("vc", "varchar(20)"), List.of("yr", widths ? "year(4)" : "year"));
    }

    @Test
    void aNaNFloatOrANaNDecimalIsRejectedNotStoredAsSomethingElse() {
        String database = target.freshDatabase();
        TableSchema floats = io.ferry.core.apply.Events.table("floats", 1, col("id", TypeKind.INT32, "int"),
                col("f", TypeKind.FLOAT64, "double"), col("n", TypeKind.DECIMAL, "numeric(10,2)"));
        try (JdbcSink sink = new JdbcSink(target.config(database), new MySqlDialect())) {
            assertThatThrownBy(() -> sink.apply(List.of(insert(floats, 1, 1.5, null), insert(floats, 2, Double.NaN,
                    null)), List.of()))
                    .isInstanceOfSatisfying(Sink.RejectedChangeException.class, e -> {
                        assertThat(e.index()).isEqualTo(1);
                        // The reason names table, key, column and value, as a dead-letter header or a stop message.
                        assertThat(e.getMessage()).contains("table " + database + ".floats", "{id=2}", "column \"f\"",
                                "FLOAT64 value NaN");
                    });
            assertThatThrownBy(() -> sink.apply(List.of(insert(floats, 3, 1.0, "NaN")), List.of()))
                    .isInstanceOfSatisfying(Sink.RejectedChangeException.class, e -> {
                        assertThat(e.index()).isZero();
                        // The server's own reason: MariaDB names `db`.`floats`.`n`, MySQL 8 'n'.
                        assertThat(e.getMessage()).contains("table " + database + ".floats", "{id=3}")
                                .containsPattern("Incorrect decimal value: 'NaN' for column .*[`']n[`'] at row");
                    });
        }
        assertThat(target.query(database, "SELECT count(*) FROM floats").get(0).get(0)).isEqualTo(0L);
    }

    private List<Object[]> readBack(String database) throws SQLException {
        List<Object[]> out = new ArrayList<>();
        try (Connection c = target.reader(database);
             PreparedStatement ps = c.prepareStatement("SELECT * FROM `all kinds` ORDER BY id");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                Object[] row = new Object[ALL_KINDS.columns().size()];
                for (int i = 0; i < row.length; i++) {
                    row[i] = read(rs, i + 1, ALL_KINDS.columns().get(i));
                }
                out.add(row);
            }
        }
        return out;
    }

    private static Object read(ResultSet rs, int i, Column col) throws SQLException {
        String text = rs.getString(i);
        if (text == null) {
            return null;
        }
        return switch (col.type().kind()) {
            case INT16 -> rs.getShort(i);
            case INT32 -> rs.getInt(i);
            case INT64 -> rs.getLong(i);
            case DECIMAL -> text.matches("-?Infinity|NaN") ? text : new BigDecimal(text);
            case FLOAT32 -> rs.getFloat(i);
            case FLOAT64 -> rs.getDouble(i);
            case BOOLEAN -> rs.getBoolean(i);
            case BYTES -> rs.getBytes(i);
            case DATE -> rs.getObject(i, LocalDate.class);
            case TIME -> text.startsWith("24:00:00") ? LocalTime.MAX : LocalTime.parse(text);
            case TIMETZ -> OffsetTime.parse(text);
            case TIMESTAMP -> rs.getObject(i, LocalDateTime.class);
            case TIMESTAMPTZ -> rs.getObject(i, LocalDateTime.class).toInstant(ZoneOffset.UTC);
            case UUID -> UUID.fromString(text);
            default -> text;
        };
    }
}
