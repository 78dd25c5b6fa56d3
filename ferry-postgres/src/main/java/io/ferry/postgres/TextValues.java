package io.ferry.postgres;

import io.ferry.core.TypeKind;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.UUID;

/**
 * Decoders for PostgreSQL's text output, as produced under the session settings Ferry sets on every connection
 * ({@code DateStyle=ISO}, {@code IntervalStyle=iso_8601}, {@code extra_float_digits=3}, {@code bytea_output=hex}).
 *
 * <p>Infinite dates and timestamps have no Java counterpart: {@code infinity} becomes {@code LocalDate.MAX},
 * {@code LocalDateTime.MAX} or {@code Instant.MAX}, {@code -infinity} the matching {@code MIN}. BC years are
 * proleptic ({@code 0044-03-15 BC} is year -43). {@code 24:00:00} (valid for {@code time} and {@code timetz})
 * becomes {@code LocalTime.MAX}.
 */
final class TextValues {

    private TextValues() {
    }

    /** The decoder for a kind; {@code element} and {@code delimiter} are used only for arrays. */
    static ValueDecoder forKind(TypeKind kind, ValueDecoder element, char delimiter) {
        return switch (kind) {
            case INT16 -> INT16;
            case INT32 -> INT32;
            case INT64 -> INT64;
            case DECIMAL -> DECIMAL;
            case FLOAT32 -> Float::valueOf;
            case FLOAT64 -> Double::valueOf;
            case BOOLEAN -> TextValues::bool;
            case BYTES -> TextValues::bytes;
            case DATE -> TextValues::date;
            case TIME -> TextValues::time;
            // A PostgreSQL interval holding another database's duration (MySQL TIME), in IntervalStyle iso_8601.
            case DURATION -> java.time.Duration::parse;
            case TIMETZ -> TextValues::timetz;
            case TIMESTAMP -> TextValues::timestamp;
            case TIMESTAMPTZ -> TIMESTAMPTZ;
            case UUID -> UUID::fromString;
            case ARRAY -> new ArrayText(element, delimiter);
            case TEXT, INTERVAL, JSON, ENUM, UNKNOWN -> TEXT;
        };
    }

    static final ValueDecoder TEXT = text -> text;

    static final ValueDecoder INT16 = new ValueDecoder() {
        @Override
        public Object decode(String text) {
            return Short.valueOf(text);
        }

        @Override
        public Object decode(byte[] buf, int off, int len) {
            return (short) parseLong(buf, off, len);
        }
    };

    static final ValueDecoder INT32 = new ValueDecoder() {
        @Override
        public Object decode(String text) {
            return Integer.valueOf(text);
        }

        @Override
        public Object decode(byte[] buf, int off, int len) {
            return (int) parseLong(buf, off, len);
        }
    };

    static final ValueDecoder INT64 = new ValueDecoder() {
        @Override
        public Object decode(String text) {
            return Long.valueOf(text);
        }

        @Override
        public Object decode(byte[] buf, int off, int len) {
            return parseLong(buf, off, len);
        }
    };

    /** Parses decimal ASCII digits with an optional sign; Long.MIN_VALUE works because it accumulates negatively. */
    static long parseLong(byte[] buf, int off, int len) {
        int i = off;
        int end = off + len;
        boolean negative = false;
        if (len > 0 && (buf[i] == '-' || buf[i] == '+')) {
            negative = buf[i] == '-';
            i++;
        }
        if (i == end || len > 20) {
            return Long.parseLong(new String(buf, off, len, java.nio.charset.StandardCharsets.US_ASCII));
        }
        long r = 0;
        for (; i < end; i++) {
            int d = buf[i] - '0';
            if (d < 0 || d > 9) {
                throw new NumberFormatException("not an integer: " + new String(buf, off, len,
                        java.nio.charset.StandardCharsets.US_ASCII));
            }
            r = r * 10 - d;
        }
        return negative ? r : -r;
    }

    static final ValueDecoder DECIMAL = new ValueDecoder() {
        @Override
        public Object decode(String text) {
            return decimal(text);
        }

        @Override
        public Object decode(byte[] buf, int off, int len) {
            BigDecimal small = smallDecimal(buf, off, len);
            return small != null ? small : decimal(new String(buf, off, len, java.nio.charset.StandardCharsets.US_ASCII));
        }
    };

    static Object decimal(String text) {
        int n = text.length();
        if (n <= MAX_SMALL_DECIMAL) {
            byte[] ascii = new byte[n];
            for (int i = 0; i < n; i++) {
                char c = text.charAt(i);
                if (c > 0x7F) {
                    return new BigDecimal(text);
                }
                ascii[i] = (byte) c;
            }
            BigDecimal small = smallDecimal(ascii, 0, n);
            if (small != null) {
                return small;
            }
        }
        return switch (text) {
            case "NaN", "Infinity", "-Infinity" -> text;
            default -> new BigDecimal(text);
        };
    }

    /** A sign, a point and up to 18 digits: their unscaled value always fits a long. */
    private static final int MAX_SMALL_DECIMAL = 20;

    /**
     * {@code numeric} text ({@code -}, digits, {@code .}, digits) of at most 18 digits as {@code BigDecimal.valueOf(
     * unscaled, scale)}, equal in value and scale to {@code new BigDecimal(text)} and several times cheaper; null for
     * anything else (more digits, NaN, infinities, text this does not expect), which goes to {@code new BigDecimal}.
     */
    static BigDecimal smallDecimal(byte[] buf, int off, int len) {
        if (len == 0 || len > MAX_SMALL_DECIMAL) {
            return null;
        }
        int i = off;
        int end = off + len;
        boolean negative = buf[i] == '-';
        if (negative) {
            i++;
        }
        long unscaled = 0;
        int digits = 0;
        int point = -1;
        for (; i < end; i++) {
            int d = buf[i] - '0';
            if (d >= 0 && d <= 9) {
                unscaled = unscaled * 10 + d;
                digits++;
            } else if (buf[i] == '.' && point < 0) {
                point = i;
            } else {
                return null;
            }
        }
        if (digits == 0 || digits > 18) {
            return null;
        }
        return BigDecimal.valueOf(negative ? -unscaled : unscaled, point < 0 ? 0 : end - point - 1);
    }

    static Object bool(String text) {
        return switch (text) {
            case "t", "true" -> Boolean.TRUE;
            case "f", "false" -> Boolean.FALSE;
            default -> throw new IllegalArgumentException("not a boolean: " + text);
        };
    }

    static byte[] bytes(String text) {
        if (!text.startsWith("\\x")) {
            throw new IllegalArgumentException("bytea is not in hex format (bytea_output=hex)");
        }
        int n = (text.length() - 2) / 2;
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) {
            out[i] = (byte) (hex(text.charAt(2 + 2 * i)) << 4 | hex(text.charAt(3 + 2 * i)));
        }
        return out;
    }

    private static int hex(char c) {
        int d = Character.digit(c, 16);
        if (d < 0) {
            throw new IllegalArgumentException("bad hex digit '" + c + "' in bytea");
        }
        return d;
    }

    static LocalDate date(String text) {
        if (text.equals("infinity")) {
            return LocalDate.MAX;
        }
        if (text.equals("-infinity")) {
            return LocalDate.MIN;
        }
        boolean bc = text.endsWith(" BC");
        return parseDate(text, 0, bc ? text.length() - 3 : text.length(), bc);
    }

    static LocalTime time(String text) {
        if (text.startsWith("24:")) {
            return LocalTime.MAX;
        }
        return parseTime(text, 0, text.length());
    }

    static OffsetTime timetz(String text) {
        int sign = offsetStart(text, 0, text.length());
        LocalTime time = text.startsWith("24:") ? LocalTime.MAX : parseTime(text, 0, sign);
        return OffsetTime.of(time, parseOffset(text, sign, text.length()));
    }

    static LocalDateTime timestamp(String text) {
        if (text.equals("infinity")) {
            return LocalDateTime.MAX;
        }
        if (text.equals("-infinity")) {
            return LocalDateTime.MIN;
        }
        boolean bc = text.endsWith(" BC");
        int end = bc ? text.length() - 3 : text.length();
        int space = text.indexOf(' ');
        return LocalDateTime.of(parseDate(text, 0, space, bc), parseTime(text, space + 1, end));
    }

    static final ValueDecoder TIMESTAMPTZ = new ValueDecoder() {
        @Override
        public Object decode(String text) {
            return timestamptz(text);
        }

        @Override
        public Object decode(byte[] buf, int off, int len) {
            Instant t = plainTimestamptz(buf, off, len);
            return t != null ? t : timestamptz(new String(buf, off, len, java.nio.charset.StandardCharsets.UTF_8));
        }
    };

    /**
     * The common form {@code YYYY-MM-DD HH:MM:SS[.f]±HH[:MM]} read straight from protocol bytes, without the String
     * the general path needs; null for any other (infinity, BC, a year past 9999, an offset with seconds).
     */
    static Instant plainTimestamptz(byte[] b, int off, int len) {
        int end = off + len;
        if (len < 22 || b[off + 4] != '-' || b[off + 7] != '-' || b[off + 10] != ' ' || b[off + 13] != ':'
                || b[off + 16] != ':') {
            return null;
        }
        int i = off + 19;
        int nanos = 0;
        if (b[i] == '.') {
            int digits = 0;
            for (i++; i < end && b[i] >= '0' && b[i] <= '9' && digits < 9; i++, digits++) {
                nanos = nanos * 10 + (b[i] - '0');
            }
            if (digits == 0) {
                return null;
            }
            for (; digits < 9; digits++) {
                nanos *= 10;
            }
        }
        int rest = end - i;
        if ((rest != 3 && rest != 6) || (b[i] != '+' && b[i] != '-') || (rest == 6 && b[i + 3] != ':')) {
            return null;
        }
        int year = digits(b, off, 4);
        int month = digits(b, off + 5, 2);
        int day = digits(b, off + 8, 2);
        int hour = digits(b, off + 11, 2);
        int minute = digits(b, off + 14, 2);
        int second = digits(b, off + 17, 2);
        int offsetHours = digits(b, i + 1, 2);
        int offsetMinutes = rest == 6 ? digits(b, i + 4, 2) : 0;
        if ((year | month | day | hour | minute | second | offsetHours | offsetMinutes) < 0) {
            return null;
        }
        int sign = b[i] == '-' ? -1 : 1;
        LocalDateTime local = LocalDateTime.of(year, month, day, hour, minute, second, nanos);
        return local.toInstant(ZoneOffset.ofHoursMinutes(sign * offsetHours, sign * offsetMinutes));
    }

    /** {@code n} decimal digits at {@code from}, or -1 if one is not a digit. */
    private static int digits(byte[] b, int from, int n) {
        int v = 0;
        for (int i = from; i < from + n; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v;
    }

    static Instant timestamptz(String text) {
        if (text.equals("infinity")) {
            return Instant.MAX;
        }
        if (text.equals("-infinity")) {
            return Instant.MIN;
        }
        boolean bc = text.endsWith(" BC");
        int end = bc ? text.length() - 3 : text.length();
        int space = text.indexOf(' ');
        int sign = offsetStart(text, space + 1, end);
        LocalDateTime local = LocalDateTime.of(parseDate(text, 0, space, bc), parseTime(text, space + 1, sign));
        return local.toInstant(parseOffset(text, sign, end));
    }

    private static LocalDate parseDate(String s, int from, int to, boolean bc) {
        int dash = s.indexOf('-', from + 1);
        int year = Integer.parseInt(s, from, dash, 10);
        int month = Integer.parseInt(s, dash + 1, dash + 3, 10);
        int day = Integer.parseInt(s, dash + 4, to, 10);
        return LocalDate.of(bc ? 1 - year : year, month, day);
    }

    /** {@code HH:MM:SS[.ffffff]} between {@code from} and {@code to}. */
    private static LocalTime parseTime(String s, int from, int to) {
        int hour = Integer.parseInt(s, from, from + 2, 10);
        int minute = Integer.parseInt(s, from + 3, from + 5, 10);
        int second = Integer.parseInt(s, from + 6, from + 8, 10);
        int nanos = 0;
        if (to > from + 8 && s.charAt(from + 8) == '.') {
            int digits = to - from - 9;
            nanos = Integer.parseInt(s, from + 9, to, 10);
            for (int i = digits; i < 9; i++) {
                nanos *= 10;
            }
        }
        return LocalTime.of(hour, minute, second, nanos);
    }

    /** Index of the offset's sign after a time that starts at {@code from}. */
    private static int offsetStart(String s, int from, int to) {
        for (int i = from + 8; i < to; i++) {
            char c = s.charAt(i);
            if (c == '+' || c == '-') {
                return i;
            }
        }
        throw new IllegalArgumentException("no UTC offset in " + s);
    }

    /** {@code ±HH[:MM[:SS]]}. */
    private static ZoneOffset parseOffset(String s, int from, int to) {
        int sign = s.charAt(from) == '-' ? -1 : 1;
        int h = Integer.parseInt(s, from + 1, from + 3, 10);
        int m = to >= from + 6 ? Integer.parseInt(s, from + 4, from + 6, 10) : 0;
        int sec = to >= from + 9 ? Integer.parseInt(s, from + 7, from + 9, 10) : 0;
        return ZoneOffset.ofHoursMinutesSeconds(sign * h, sign * m, sign * sec);
    }
}
