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
    void writesTheTextToPlainStringWritesOrLeavesItToIt() {
        char[] out = new char[64];
        List<BigDecimal> edges = List.of(BigDecimal.ZERO, new BigDecimal("0.00"), new BigDecimal("-0.05"),
                new BigDecimal("999999999999999999"), new BigDecimal("-999999999999999999"),
                new BigDecimal("0.999999999999999999"), new BigDecimal("-1.000000000000000000"), new BigDecimal("10"),
                new BigDecimal("100.5"), new BigDecimal("1E+5"), new BigDecimal("9999999999999999999"),
                new BigDecimal("0.0000000000000000001"), new BigDecimal("12345678901234567890123.4567"));
        Random random = new Random(11);
        List<BigDecimal> all = new java.util.ArrayList<>(edges);
        for (int i = 0; i < 50_000; i++) {
            all.add(BigDecimal.valueOf(random.nextLong() >> random.nextInt(64), random.nextInt(24) - 3));
        }
        int fast = 0;
        for (BigDecimal d : all) {
            int len = ValueCodec.plainText(d, out);
            if (len >= 0) {
                fast++;
                assertThat(new String(out, 0, len)).as(d.toString()).isEqualTo(d.toPlainString());
            } else {
                assertThat(d.scale() < 0 || d.scale() > 18 || d.precision() > 18).as(d.toString()).isTrue();
            }
        }
        assertThat(fast).isGreaterThan(all.size() / 2);
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
