package io.ferry.mysql.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.core.ColumnType;
import io.ferry.core.TypeKind;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonArraysTest {

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
}
