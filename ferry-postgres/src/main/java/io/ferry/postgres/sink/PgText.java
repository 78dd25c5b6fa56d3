package io.ferry.postgres.sink;

import io.ferry.core.BoundedArray;
import io.ferry.core.ColumnType;
import io.ferry.core.TypeKind;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.List;

/**
 * Writes values (in {@link TypeKind}'s Java classes) as PostgreSQL input text: the form COPY and untyped
 * parameters take. It is the inverse of the tests' PgTextDecoder: {@code LocalDate.MAX}, {@code LocalDateTime.MAX}
 * and {@code Instant.MAX} are {@code infinity} (MIN: {@code -infinity}), {@code LocalTime.MAX} is
 * {@code 24:00:00}, years up to 0 are written as BC years (year 0 is 1 BC), a {@link BoundedArray} with its
 * dimensions prefix ({@code [0:1]={"1","2"}}).
 */
final class PgText {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private PgText() {
    }

    static String encode(ColumnType type, Object value) {
        StringBuilder sb = new StringBuilder(32);
        append(sb, type, value);
        return sb.toString();
    }

    /** Appends {@code value} (not null) as input text of {@code type}. */
    static void append(StringBuilder sb, ColumnType type, Object value) {
        switch (type.kind()) {
            case DECIMAL -> sb.append(value instanceof BigDecimal d ? d.toPlainString() : value.toString());
            case BOOLEAN -> sb.append((Boolean) value ? 't' : 'f');
            case BYTES -> bytes(sb, (byte[]) value);
            case DATE -> date(sb, (LocalDate) value);
            case TIME -> time(sb, (LocalTime) value);
            case TIMETZ -> timetz(sb, (OffsetTime) value);
            case TIMESTAMP -> timestamp(sb, (LocalDateTime) value);
            case TIMESTAMPTZ -> timestamptz(sb, (Instant) value);
            case ARRAY -> {
                if (value instanceof BoundedArray bounded) {
                    // The dimensions prefix gives the target array the source's lower bounds.
                    sb.append(bounded.dimensions()).append('=');
                    array(sb, type.element(), bounded.elements());
                } else {
                    array(sb, type.element(), (List<?>) value);
                }
            }
            default -> sb.append(value);
        }
    }

    private static void bytes(StringBuilder sb, byte[] b) {
        sb.append("\\x");
        for (byte x : b) {
            sb.append(HEX[(x >> 4) & 0xf]).append(HEX[x & 0xf]);
        }
    }

    private static void date(StringBuilder sb, LocalDate d) {
        if (d.equals(LocalDate.MAX)) {
            sb.append("infinity");
        } else if (d.equals(LocalDate.MIN)) {
            sb.append("-infinity");
        } else {
            ymd(sb, d);
            bc(sb, d.getYear());
        }
    }

    private static void timestamp(StringBuilder sb, LocalDateTime t) {
        if (t.equals(LocalDateTime.MAX)) {
            sb.append("infinity");
        } else if (t.equals(LocalDateTime.MIN)) {
            sb.append("-infinity");
        } else {
            ymd(sb, t.toLocalDate());
            sb.append(' ');
            time(sb, t.toLocalTime());
            bc(sb, t.getYear());
        }
    }

    private static void timestamptz(StringBuilder sb, Instant i) {
        if (i.equals(Instant.MAX)) {
            sb.append("infinity");
        } else if (i.equals(Instant.MIN)) {
            sb.append("-infinity");
        } else {
            LocalDateTime t = LocalDateTime.ofEpochSecond(i.getEpochSecond(), i.getNano(), ZoneOffset.UTC);
            ymd(sb, t.toLocalDate());
            sb.append(' ');
            time(sb, t.toLocalTime());
            sb.append("+00");
            bc(sb, t.getYear());
        }
    }

    private static void ymd(StringBuilder sb, LocalDate d) {
        int year = d.getYear();
        pad(sb, year > 0 ? year : 1 - year, 4);
        sb.append('-');
        pad(sb, d.getMonthValue(), 2);
        sb.append('-');
        pad(sb, d.getDayOfMonth(), 2);
    }

    private static void bc(StringBuilder sb, int year) {
        if (year <= 0) {
            sb.append(" BC");
        }
    }

    private static void time(StringBuilder sb, LocalTime t) {
        if (t.equals(LocalTime.MAX)) {
            sb.append("24:00:00");
            return;
        }
        pad(sb, t.getHour(), 2);
        sb.append(':');
        pad(sb, t.getMinute(), 2);
        sb.append(':');
        pad(sb, t.getSecond(), 2);
        int nanos = t.getNano();
        if (nanos != 0) {
            sb.append('.');
            pad(sb, nanos, 9);
            int end = sb.length();
            while (sb.charAt(end - 1) == '0') {
                end--;
            }
            sb.setLength(end);
        }
    }

    private static void timetz(StringBuilder sb, OffsetTime t) {
        time(sb, t.toLocalTime());
        int total = t.getOffset().getTotalSeconds();
        sb.append(total < 0 ? '-' : '+');
        total = Math.abs(total);
        pad(sb, total / 3600, 2);
        sb.append(':');
        pad(sb, total / 60 % 60, 2);
        if (total % 60 != 0) {
            sb.append(':');
            pad(sb, total % 60, 2);
        }
    }

    private static void pad(StringBuilder sb, int value, int width) {
        String s = Integer.toString(value);
        for (int i = s.length(); i < width; i++) {
            sb.append('0');
        }
        sb.append(s);
    }

    /** An array literal; every element is quoted, so no element text needs to know the delimiter rules. */
    private static void array(StringBuilder sb, ColumnType element, List<?> values) {
        while (element.kind() == TypeKind.ARRAY) {
            element = element.element();
        }
        sb.append('{');
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            Object v = values.get(i);
            if (v == null) {
                sb.append("NULL");
            } else if (v instanceof List<?> nested) {
                array(sb, element, nested);
            } else {
                String text = encode(element, v);
                sb.append('"');
                for (int c = 0; c < text.length(); c++) {
                    char ch = text.charAt(c);
                    if (ch == '"' || ch == '\\') {
                        sb.append('\\');
                    }
                    sb.append(ch);
                }
                sb.append('"');
            }
        }
        sb.append('}');
    }
}
