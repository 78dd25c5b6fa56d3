package io.ferry.mysql.sink;

import static io.ferry.core.apply.Events.col;
import static io.ferry.core.apply.Events.insert;
import static io.ferry.core.apply.Events.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.core.BoundedArray;
import io.ferry.core.Column;
import io.ferry.core.ColumnType;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.sink.jdbc.JdbcSink;
import io.ferry.mysql.MySqlTestServer.Flavor;
import java.math.BigDecimal;
import java.sql.SQLDataException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class JsonArraysTest {

    @Test
    void anArrayWhoseLowerBoundsAreNotOneIsRefusedNamingColumnAndValue() {
        Column ints = new Column("ints", ColumnType.arrayOf(ColumnType.of(TypeKind.INT32, "integer"), "integer[]"), true);
        // Refused before anything is bound, so no statement is needed.
        assertThatThrownBy(() -> ValueBinder.bind(null, 1, ints, new BoundedArray(List.of(0), Arrays.asList(1, null))))
                .isInstanceOf(SQLDataException.class)
                .hasMessage("column \"ints\": MySQL has no array type to keep the lower bounds of the ARRAY value"
                        + " [0:1]=[1, null] (source type integer[])");
    }

    @Test
    void numbersStayNumbersExceptDecimalsAndNonFiniteFloats() {
        assertThat(JsonArrays.encode(ColumnType.of(TypeKind.FLOAT64, "float8"),
                Arrays.asList(1.5, Double.NaN, Double.NEGATIVE_INFINITY, null)))
                .isEqualTo("[1.5, \"NaN\", \"-Infinity\", null]");
        assertThat(JsonArrays.encode(ColumnType.of(TypeKind.DECIMAL, "numeric"),
                List.of(new BigDecimal("12345678901234567890.000000000001"), "NaN")))
                .isEqualTo("[\"12345678901234567890.000000000001\", \"NaN\"]");
    }

    @Test
    void textIsEscapedAndOtherValuesUseTheirTextForm() {
        assertThat(JsonArrays.encode(ColumnType.of(TypeKind.TEXT, "text"), List.of("q\"\\\n\u0001😀")))
                .isEqualTo("[\"q\\\"\\\\\\n\\u0001😀\"]");
        assertThat(JsonArrays.encode(ColumnType.of(TypeKind.BYTES, "bytea"), List.of(new byte[] {0, (byte) 255})))
                .isEqualTo("[\"AP8=\"]");
        assertThat(JsonArrays.encode(ColumnType.of(TypeKind.TIMESTAMPTZ, "timestamptz"), List.of(Instant.MAX)))
                .isEqualTo("[\"+1000000000-12-31T23:59:59.999999999Z\"]");
    }

    /**
     * MariaDB keeps a json column's text as written; MySQL 8 parses it and prints it its own way (spacing,
     * number formatting). Either way each element, read back through the server's own JSON functions, is the
     * value written, with the JSON type documented in docs/types.md.
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void eachElementReadsBackThroughTheServersJsonFunctionsAsWritten(Flavor flavor) {
        TargetDb target = new TargetDb(flavor);
        String database = target.freshDatabase();
        TableSchema arrays = table("arrays", 1, col("id", TypeKind.INT32, "int"),
                col("f4", ColumnType.arrayOf(ColumnType.of(TypeKind.FLOAT32, "real"), "real[]")),
                col("f8", ColumnType.arrayOf(ColumnType.of(TypeKind.FLOAT64, "float8"), "float8[]")),
                col("num", ColumnType.arrayOf(ColumnType.of(TypeKind.DECIMAL, "numeric"), "numeric[]")),
                col("i8", ColumnType.arrayOf(ColumnType.of(TypeKind.INT64, "int8"), "int8[]")),
                col("txt", ColumnType.arrayOf(ColumnType.of(TypeKind.TEXT, "text"), "text[]")));
        List<Float> f4 = List.of(Float.MAX_VALUE, -Float.MIN_VALUE, 1.0E10f, 0.1f);
        List<Double> f8 = List.of(-Double.MAX_VALUE, Double.MIN_VALUE, 1.0E10, 0.1);
        List<BigDecimal> num = List.of(new BigDecimal("12345678901234567890.000000000001"), new BigDecimal("0.10"));
        List<Long> i8 = List.of(Long.MIN_VALUE, Long.MAX_VALUE);
        // Not beyond the BMP: MariaDB's JSON functions return utf8mb3, which turns an emoji into '?'.
        List<String> txt = List.of("q\"\\\n\u0001ünï ✓", "NULL", "");
        try (JdbcSink sink = new JdbcSink(target.config(database), new MySqlDialect())) {
            sink.apply(List.of(insert(arrays, 1, f4, f8, num, i8, txt)), List.of());
        }

        for (int i = 0; i < f4.size(); i++) {
            assertThat(Float.parseFloat(element(target, database, "f4", i))).isEqualTo(f4.get(i));
            assertThat(Double.parseDouble(element(target, database, "f8", i))).isEqualTo(f8.get(i));
            assertThat(type(target, database, "f8", i)).isEqualTo("DOUBLE");
        }
        for (int i = 0; i < num.size(); i++) {
            assertThat(element(target, database, "num", i)).isEqualTo(num.get(i).toPlainString());
            assertThat(type(target, database, "num", i)).isEqualTo("STRING");
        }
        for (int i = 0; i < i8.size(); i++) {
            assertThat(Long.parseLong(element(target, database, "i8", i))).isEqualTo(i8.get(i));
            // MySQL calls Long.MAX_VALUE an UNSIGNED INTEGER: a JSON number all the same.
            assertThat(type(target, database, "i8", i)).isIn("INTEGER", "UNSIGNED INTEGER");
        }
        for (int i = 0; i < txt.size(); i++) {
            assertThat(element(target, database, "txt", i)).isEqualTo(txt.get(i));
        }
    }

    private static String element(TargetDb target, String database, String column, int index) {
        return (String) target.query(database, "SELECT JSON_UNQUOTE(JSON_EXTRACT(" + column + ", '$[" + index
                + "]')) FROM arrays").get(0).get(0);
    }

    private static String type(TargetDb target, String database, String column, int index) {
        return (String) target.query(database, "SELECT JSON_TYPE(JSON_EXTRACT(" + column + ", '$[" + index
                + "]')) FROM arrays").get(0).get(0);
    }
}
