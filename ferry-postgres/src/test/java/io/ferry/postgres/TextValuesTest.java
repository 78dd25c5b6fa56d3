package io.ferry.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.core.BoundedArray;
import io.ferry.core.TypeKind;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** PostgreSQL text output to exact Java values. */
class TextValuesTest {

    private static Object decode(TypeKind kind, String text) {
        return TextValues.forKind(kind, null, ',').decode(text);
    }

    private static Object decodeBytes(TypeKind kind, String text) {
        byte[] b = ("xx" + text).getBytes(StandardCharsets.UTF_8);
        return TextValues.forKind(kind, null, ',').decode(b, 2, b.length - 2);
    }

    /** The short path for numeric text gives what {@code new BigDecimal(text)} gives, scale included, or its error. */
    @Test
    void decimalsEqualBigDecimalOfTheTextInValueAndScale() {
        List<String> texts = new java.util.ArrayList<>(List.of("0", "-0", "0.00", "-0.00", "12.50", "-12.50", "5.", ".5",
                "-.5", "999999999999999999", "-999999999999999999", "9999999999999999999", "0.000000000000000001",
                "1234567890.12345678", "12345678901234567890.5", "00012.3400", "1e5", "NaN", "Infinity", "-Infinity"));
        java.util.Random random = new java.util.Random(11);
        for (int i = 0; i < 20_000; i++) {
            StringBuilder t = new StringBuilder(random.nextBoolean() ? "-" : "");
            int whole = random.nextInt(22);
            for (int d = 0; d < whole; d++) {
                t.append((char) ('0' + random.nextInt(10)));
            }
            if (random.nextBoolean()) {
                t.append('.');
                for (int d = random.nextInt(22); d > 0; d--) {
                    t.append((char) ('0' + random.nextInt(10)));
                }
            }
            texts.add(t.toString());
        }
        for (String text : texts) {
            Object expected;
            try {
                expected = text.matches("NaN|-?Infinity") ? text : new BigDecimal(text);
            } catch (NumberFormatException e) {
                assertThatThrownBy(() -> decode(TypeKind.DECIMAL, text)).as(text).isInstanceOf(NumberFormatException.class);
                assertThatThrownBy(() -> decodeBytes(TypeKind.DECIMAL, text)).as(text)
                        .isInstanceOf(NumberFormatException.class);
                continue;
            }
            // equals, not compareTo: 12.50 and 12.5 are different values to a target column's scale.
            assertThat(decode(TypeKind.DECIMAL, text)).as(text).isEqualTo(expected);
            assertThat(decodeBytes(TypeKind.DECIMAL, text)).as(text).isEqualTo(expected);
        }
    }

    /** The byte path for timestamptz reads every form PostgreSQL prints as the text path does, or leaves it to it. */
    @Test
    void timestamptzFromBytesEqualsTheTextPath() {
        List<String> texts = new java.util.ArrayList<>(List.of("2024-01-02 03:04:05+00", "2024-01-02 03:04:05.5-03:30",
                "1969-12-31 23:59:59.999999+14", "1900-01-01 00:00:00+00:53:28", "0044-03-15 12:00:00.000001+00 BC",
                "infinity", "-infinity", "10000-01-01 00:00:00+00", "2024-02-29 12:00:00.123456789+01"));
        java.util.Random random = new java.util.Random(11);
        for (int i = 0; i < 20_000; i++) {
            LocalDateTime t = LocalDateTime.ofEpochSecond(random.nextLong(-60_000_000_000L, 250_000_000_000L),
                    random.nextInt(1_000_000) * 1000, ZoneOffset.UTC);
            String fraction = t.getNano() == 0 ? "" : ("." + String.format("%06d", t.getNano() / 1000)).replaceAll("0+$", "");
            int offsetMinutes = random.nextInt(-15 * 60, 15 * 60 + 1) / 15 * 15;
            String offset = (offsetMinutes < 0 ? "-" : "+") + String.format("%02d", Math.abs(offsetMinutes) / 60)
                    + (offsetMinutes % 60 == 0 ? "" : String.format(":%02d", Math.abs(offsetMinutes) % 60));
            texts.add(String.format("%04d-%02d-%02d %02d:%02d:%02d", t.getYear(), t.getMonthValue(), t.getDayOfMonth(),
                    t.getHour(), t.getMinute(), t.getSecond()) + fraction + offset);
        }
        for (String text : texts) {
            if (text.startsWith("-") && !text.equals("-infinity")) {
                continue;
            }
            assertThat(decodeBytes(TypeKind.TIMESTAMPTZ, text)).as(text).isEqualTo(TextValues.timestamptz(text));
        }
        assertThat(TextValues.plainTimestamptz("2024-01-02 03:04:05.5-03:30".getBytes(StandardCharsets.US_ASCII), 0, 27))
                .isEqualTo(Instant.parse("2024-01-02T06:34:05.5Z"));
    }

    @Test
    void integersParseFromBytesIncludingExtremes() {
        assertThat(decodeBytes(TypeKind.INT64, "-9223372036854775808")).isEqualTo(Long.MIN_VALUE);
        assertThat(decodeBytes(TypeKind.INT64, "9223372036854775807")).isEqualTo(Long.MAX_VALUE);
        assertThat(decodeBytes(TypeKind.INT32, "-2147483648")).isEqualTo(Integer.MIN_VALUE);
        assertThat(decodeBytes(TypeKind.INT16, "-32768")).isEqualTo((short) -32768);
    }

    @Test
    void numericKeepsScaleAndSpecialValuesStayStrings() {
        assertThat(decode(TypeKind.DECIMAL, "1.10")).isEqualTo(new BigDecimal("1.10"));
        assertThat(decode(TypeKind.DECIMAL, "NaN")).isEqualTo("NaN");
        assertThat(decode(TypeKind.DECIMAL, "-Infinity")).isEqualTo("-Infinity");
        assertThat(decode(TypeKind.FLOAT64, "-0")).isEqualTo(-0.0d);
        assertThat(decode(TypeKind.FLOAT32, "NaN")).isEqualTo(Float.NaN);
    }

    @Test
    void datesHandleBcInfinityAndLongYears() {
        assertThat(decode(TypeKind.DATE, "0001-01-01 BC")).isEqualTo(LocalDate.of(0, 1, 1));
        assertThat(decode(TypeKind.DATE, "infinity")).isEqualTo(LocalDate.MAX);
        assertThat(decode(TypeKind.DATE, "-infinity")).isEqualTo(LocalDate.MIN);
        assertThat(decode(TypeKind.DATE, "12345-06-07")).isEqualTo(LocalDate.of(12345, 6, 7));
    }

    @Test
    void timesKeepMicrosecondsAndOffsetsWithSeconds() {
        assertThat(decode(TypeKind.TIME, "01:02:03.5")).isEqualTo(LocalTime.of(1, 2, 3, 500_000_000));
        assertThat(decode(TypeKind.TIMETZ, "01:02:03-09:30")).isEqualTo(
                OffsetTime.of(1, 2, 3, 0, ZoneOffset.ofHoursMinutes(-9, -30)));
        assertThat(decode(TypeKind.TIMESTAMPTZ, "1900-01-01 00:00:00+00:53:28")).isEqualTo(
                Instant.parse("1899-12-31T23:06:32Z"));
        assertThat(decode(TypeKind.TIMESTAMPTZ, "0044-03-15 12:00:00.000001+00 BC")).isEqualTo(
                LocalDateTime.of(-43, 3, 15, 12, 0, 0, 1000).toInstant(ZoneOffset.UTC));
        assertThat(decode(TypeKind.TIMESTAMP, "2024-01-02 03:04:05.123456")).isEqualTo(
                LocalDateTime.of(2024, 1, 2, 3, 4, 5, 123_456_000));
    }

    @Test
    void byteaHexDecodes() {
        assertThat((byte[]) decode(TypeKind.BYTES, "\\x00ff7F")).containsExactly(0, -1, 127);
    }

    @Test
    void arraysHandleQuotingEscapesNullsDimensionsAndBounds() {
        ArrayText text = new ArrayText(TextValues.TEXT, ',');
        assertThat(text.decode("{a,\"b,c\",NULL,\"NULL\",\"q\\\"x\",\"\\\\\", spaced }"))
                .isEqualTo(Arrays.asList("a", "b,c", null, "NULL", "q\"x", "\\", "spaced"));
        ArrayText ints = new ArrayText(TextValues.INT32, ',');
        assertThat(ints.decode("{{1,2},{NULL,4}}")).isEqualTo(List.of(List.of(1, 2), Arrays.asList(null, 4)));
        assertThat(ints.decode("{}")).isEqualTo(List.of());
        ArrayText boxes = new ArrayText(TextValues.TEXT, ';');
        assertThat(boxes.decode("{(1,1),(0,0);(2,2),(1,1)}")).isEqualTo(List.of("(1,1),(0,0)", "(2,2),(1,1)"));
    }

    @Test
    void anArrayWithOtherLowerBoundsKeepsThem() {
        ArrayText ints = new ArrayText(TextValues.INT32, ',');
        assertThat(ints.decode("[0:1]={7,8}")).isEqualTo(new BoundedArray(List.of(0), List.of(7, 8)));
        BoundedArray twoDims = (BoundedArray) ints.decode("[-2:-1][3:4]={{1,NULL},{NULL,4}}");
        assertThat(twoDims.lowerBounds()).containsExactly(-2, 3);
        assertThat(twoDims.elements()).isEqualTo(List.of(Arrays.asList(1, null), Arrays.asList(null, 4)));
        assertThat(twoDims.dimensions()).isEqualTo("[-2:-1][3:4]");
        assertThat(ints.decode("[-2147483648:-2147483648]={NULL}"))
                .isEqualTo(new BoundedArray(List.of(Integer.MIN_VALUE), Arrays.asList((Integer) null)));
        // Only one dimension off 1 is enough for the server to print them all.
        assertThat(ints.decode("[1:1][0:0][1:2]={{{5,6}}}"))
                .isEqualTo(new BoundedArray(List.of(1, 0, 1), List.of(List.of(List.of(5, 6)))));
        assertThat(ints.decode("[1:2]={7,8}")).isEqualTo(List.of(7, 8));
        ArrayText text = new ArrayText(TextValues.TEXT, ',');
        assertThat(text.decode("[5:6]={\"[0:1]={x}\",NULL}"))
                .isEqualTo(new BoundedArray(List.of(5), Arrays.asList("[0:1]={x}", null)));
        // A domain over an array, in an array: each element keeps its own bounds.
        ArrayText nested = new ArrayText(ints, ',');
        assertThat(nested.decode("{\"[0:0]={1}\",\"{2}\"}"))
                .isEqualTo(List.of(new BoundedArray(List.of(0), List.of(1)), List.of(2)));
        assertThatThrownBy(() -> ints.decode("[0:1]{7,8}")).hasMessageContaining("expected '='");
        assertThatThrownBy(() -> ints.decode("[0-1]={7,8}")).hasMessageContaining("malformed array dimensions");
    }
}
