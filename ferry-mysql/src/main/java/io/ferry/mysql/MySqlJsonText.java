package io.ferry.mysql;

import com.github.shyiko.mysql.binlog.event.deserialization.ColumnType;
import com.github.shyiko.mysql.binlog.event.deserialization.json.JsonBinary;
import com.github.shyiko.mysql.binlog.event.deserialization.json.JsonFormatter;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Locale;

/**
 * Writes a MySQL binary JSON value as the text MySQL itself prints for it ({@code SELECT json_col}), so a value
 * read from the binlog equals the same value read by the snapshot. The library's own formatter writes compact
 * JSON ({@code {"a":1}} where MySQL prints {@code {"a": 1}}) and formats doubles and temporal values differently.
 */
final class MySqlJsonText implements JsonFormatter {

    /** The text of a binlog JSON cell. */
    static String of(byte[] binary) throws IOException {
        MySqlJsonText text = new MySqlJsonText();
        new Binary(binary, text).parse(text);
        return text.toString();
    }

    /** The library's parser, except for TIME: it splits a negative packed time with truncating remainders. */
    private static final class Binary extends JsonBinary {
        private final MySqlJsonText text;

        Binary(byte[] bytes, MySqlJsonText text) {
            super(bytes);
            this.text = text;
        }

        @Override
        protected void parseTime(JsonFormatter formatter) throws IOException {
            long packed = readInt64();
            long abs = Math.abs(packed);
            long hms = abs >> 24;
            text.time(packed < 0, (int) (hms >> 12) & 0x3FF, (int) (hms >> 6) & 0x3F, (int) hms & 0x3F,
                    (int) (abs & 0xFFFFFF));
        }
    }

    // MySQL's my_gcvt: the 'f' format for decimal exponents in [-14, 15] (or when digits reach past the point).
    private static final int MAX_DECPT_FOR_F_FORMAT = 15;

    private final StringBuilder out = new StringBuilder();

    private MySqlJsonText() {
    }

    @Override
    public String toString() {
        return out.toString();
    }

    @Override
    public void beginObject(int numElements) {
        out.append('{');
    }

    @Override
    public void beginArray(int numElements) {
        out.append('[');
    }

    @Override
    public void endObject() {
        out.append('}');
    }

    @Override
    public void endArray() {
        out.append(']');
    }

    @Override
    public void name(String name) {
        quoted(name);
        out.append(": ");
    }

    @Override
    public void nextEntry() {
        out.append(", ");
    }

    @Override
    public void value(String value) {
        quoted(value);
    }

    @Override
    public void value(int value) {
        out.append(value);
    }

    @Override
    public void value(long value) {
        out.append(value);
    }

    @Override
    public void value(BigInteger value) {
        out.append(value);
    }

    @Override
    public void value(BigDecimal value) {
        out.append(value.toPlainString());
    }

    @Override
    public void value(boolean value) {
        out.append(value);
    }

    @Override
    public void valueNull() {
        out.append("null");
    }

    @Override
    public void value(double value) {
        out.append(doubleText(value));
    }

    /** A double as MySQL prints it in JSON: shortest digits, 'f' or 'e' format by my_gcvt's rule, ".0" if integral. */
    static String doubleText(double value) {
        if (value == 0) {
            return 1 / value < 0 ? "-0.0" : "0.0";
        }
        BigDecimal exact = shortest(Math.abs(value));
        String digits = exact.unscaledValue().toString();
        int len = digits.length();
        int decpt = len - exact.scale();
        StringBuilder s = new StringBuilder(value < 0 ? "-" : "");
        if (decpt >= -MAX_DECPT_FOR_F_FORMAT + 1 && (decpt <= MAX_DECPT_FOR_F_FORMAT || len > decpt)) {
            if (decpt <= 0) {
                s.append("0.").append("0".repeat(-decpt)).append(digits);
            } else if (decpt < len) {
                s.append(digits, 0, decpt).append('.').append(digits, decpt, len);
            } else {
                s.append(digits).append("0".repeat(decpt - len)).append(".0");
            }
        } else {
            s.append(digits.charAt(0));
            if (len > 1) {
                s.append('.').append(digits, 1, len);
            }
            s.append('e').append(decpt - 1);
        }
        return s.toString();
    }

    /**
     * The fewest decimal digits that read back as {@code value}, as MySQL's dtoa gives them: {@link Double#toString},
     * shortened where it is not shortest (before JDK 19 it sometimes gives a digit too many: {@code 4.9E-324}).
     */
    private static BigDecimal shortest(double value) {
        BigDecimal best = new BigDecimal(Double.toString(value)).stripTrailingZeros();
        BigDecimal exact = new BigDecimal(value);
        for (int precision = best.precision() - 1; precision > 0; precision--) {
            BigDecimal shorter = exact.round(new MathContext(precision, RoundingMode.HALF_EVEN));
            if (shorter.doubleValue() != value) {
                break;
            }
            best = shorter.stripTrailingZeros();
        }
        return best;
    }

    @Override
    public void valueYear(int year) {
        out.append(year);
    }

    @Override
    public void valueDate(int year, int month, int day) {
        out.append('"').append(String.format(Locale.ROOT, "%04d-%02d-%02d", year, month, day)).append('"');
    }

    @Override
    public void valueDatetime(int year, int month, int day, int hour, int min, int sec, int micros) {
        out.append('"').append(String.format(Locale.ROOT, "%04d-%02d-%02d %02d:%02d:%02d.%06d", year, month, day,
                hour, min, sec, micros)).append('"');
    }

    @Override
    public void valueTime(int hour, int min, int sec, int micros) {
        time(false, hour, min, sec, micros);
    }

    private void time(boolean negative, int hour, int min, int sec, int micros) {
        out.append('"').append(negative ? "-" : "").append(String.format(Locale.ROOT, "%02d:%02d:%02d.%06d", hour, min,
                sec, micros)).append('"');
    }

    @Override
    public void valueTimestamp(long secondsPastEpoch, int micros) {
        LocalDateTime t = LocalDateTime.ofInstant(Instant.ofEpochSecond(secondsPastEpoch), ZoneOffset.UTC);
        valueDatetime(t.getYear(), t.getMonthValue(), t.getDayOfMonth(), t.getHour(), t.getMinute(), t.getSecond(),
                micros);
    }

    @Override
    public void valueOpaque(ColumnType type, byte[] value) {
        out.append("\"base64:type").append(type.getCode()).append(':')
                .append(Base64.getEncoder().encodeToString(value)).append('"');
    }

    private void quoted(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
