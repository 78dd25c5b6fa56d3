package io.ferry.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-read decimal text agrees with {@code new BigDecimal(text)} in value and scale, and refuses what it refuses. */
class ValueCodecDecimalTest {

    @Test
    void readsAsNewBigDecimalDoesValueAndScale() {
        List<String> texts = List.of("0", "-0", "0.00", "-0.00", "12345.67", "-12345.67", "007.50", "1.", ".5", "-.5",
                "999999999999999999", "-999999999999999999", "9999999999999999999", "0.000000000000000001",
                "123456789012345678.9", "1E+5", "1.5e-3", "12345678901234567890123.4567");
        for (String t : texts) {
            assertSame(t);
        }
        Random random = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            BigDecimal d = BigDecimal.valueOf(random.nextLong() >> random.nextInt(64), random.nextInt(25));
            assertSame(d.toPlainString());
        }
    }

    @Test
    void specialValuesStayTextAndBadTextIsRefused() {
        for (String special : List.of("NaN", "Infinity", "-Infinity")) {
            assertThat(read(special)).isEqualTo(special);
        }
        for (String bad : List.of("", "-", ".", "1.2.3", "+-1", "12a", "1 ", "--1")) {
            assertThatThrownBy(() -> read(bad)).as(bad).isInstanceOf(NumberFormatException.class);
        }
    }

    private static void assertSame(String text) {
        BigDecimal expected = new BigDecimal(text);
        Object read = read(text);
        assertThat(read).as(text).isInstanceOf(BigDecimal.class);
        assertThat(((BigDecimal) read).scale()).as(text).isEqualTo(expected.scale());
        assertThat(read).as(text).isEqualTo(expected);
    }

    /** Read from the middle of a larger buffer, as Jackson hands it over. */
    private static Object read(String text) {
        char[] buffer = ("[" + text + "]").toCharArray();
        return ValueCodec.decimal(buffer, 1, text.length());
    }
}
