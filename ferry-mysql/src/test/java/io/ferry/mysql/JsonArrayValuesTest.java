package io.ferry.mysql;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.core.ColumnType;
import io.ferry.core.TypeKind;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** JSON arrays as the MySQL sink writes them read back as the lists a PostgreSQL source gives. */
class JsonArrayValuesTest {

    private static ColumnType arrayOf(TypeKind kind) {
        return ColumnType.arrayOf(ColumnType.of(kind, kind.name().toLowerCase()), "x[]");
    }

    @Test
    void elementsDecodeByTheSourcesElementKind() {
        assertThat(JsonArrayValues.parse("[\"a b\", null, \"quo\\\"te\", \"back\\\\slash\", \"NULL\", \"\", \"\\u00e9\"]",
                arrayOf(TypeKind.TEXT))).isEqualTo(Arrays.asList("a b", null, "quo\"te", "back\\slash", "NULL", "", "é"));
        assertThat(JsonArrayValues.parse("[[1, 2], [3, null]]", arrayOf(TypeKind.INT32)))
                .isEqualTo(List.of(List.of(1, 2), Arrays.asList(3, null)));
        assertThat(JsonArrayValues.parse("[\"1.50\", \"NaN\", null]", arrayOf(TypeKind.DECIMAL)))
                .isEqualTo(Arrays.asList(new BigDecimal("1.50"), "NaN", null));
        assertThat(JsonArrayValues.parse("[1.5E300, \"NaN\", \"-Infinity\", -0.0]", arrayOf(TypeKind.FLOAT64)))
                .isEqualTo(List.of(1.5e300, Double.NaN, Double.NEGATIVE_INFINITY, -0.0));
        assertThat(JsonArrayValues.parse("[true, false]", arrayOf(TypeKind.BOOLEAN))).isEqualTo(List.of(true, false));
        assertThat(JsonArrayValues.parse("[\"2024-06-01T10:15:30.000001Z\"]", arrayOf(TypeKind.TIMESTAMPTZ)))
                .isEqualTo(List.of(Instant.parse("2024-06-01T10:15:30.000001Z")));
        assertThat((byte[]) JsonArrayValues.parse("[\"AP8=\"]", arrayOf(TypeKind.BYTES)).get(0))
                .containsExactly(0, 0xFF);
        assertThat(JsonArrayValues.parse("[]", arrayOf(TypeKind.TEXT))).isEmpty();
    }

    @Test
    void textThatIsNotAnArrayIsNull() {
        assertThat(JsonArrayValues.parse("{\"a\": 1}", arrayOf(TypeKind.TEXT))).isNull();
        assertThat(JsonArrayValues.parse("[1, 2", arrayOf(TypeKind.INT32))).isNull();
        assertThat(JsonArrayValues.parse("[1] x", arrayOf(TypeKind.INT32))).isNull();
    }
}
