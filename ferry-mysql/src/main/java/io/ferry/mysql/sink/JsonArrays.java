package io.ferry.mysql.sink;

import io.ferry.core.ColumnType;
import io.ferry.core.TypeKind;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.util.Base64;
import java.util.List;

/**
 * An array value as a JSON array, since MySQL has no array type. Integers, floats and booleans are JSON
 * numbers and booleans; every other element is a JSON string of its text form: decimals as their digits (a
 * MySQL JSON number is a double and would round them), NaN and infinite floats as {@code "NaN"},
 * {@code "Infinity"}, {@code "-Infinity"}, bytes in base64, times as the sink writes them to columns,
 * instants in ISO-8601 UTC ({@code 2024-06-01T10:15:30.000001Z}). Nested lists are nested arrays.
 */
final class JsonArrays {

    private JsonArrays() {
    }

    static String encode(ColumnType element, List<?> values) {
        StringBuilder sb = new StringBuilder();
        append(sb, element, values);
        return sb.toString();
    }

    private static void append(StringBuilder sb, ColumnType element, List<?> values) {
        sb.append('[');
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            Object v = values.get(i);
            if (v == null) {
                sb.append("null");
            } else if (v instanceof List<?> nested) {
                append(sb, element.kind() == TypeKind.ARRAY ? element.element() : element, nested);
            } else {
                value(sb, v);
            }
        }
        sb.append(']');
    }

    private static void value(StringBuilder sb, Object v) {
        if (v instanceof Short || v instanceof Integer || v instanceof Long || v instanceof Boolean) {
            sb.append(v);
        } else if (v instanceof Float f && !f.isNaN() && !f.isInfinite()) {
            sb.append(f);
        } else if (v instanceof Double d && !d.isNaN() && !d.isInfinite()) {
            sb.append(d);
        } else {
            string(sb, text(v));
        }
    }

    private static String text(Object v) {
        if (v instanceof BigDecimal d) {
            return d.toPlainString();
        }
        if (v instanceof byte[] b) {
            return Base64.getEncoder().encodeToString(b);
        }
        if (v instanceof LocalTime t) {
            return ValueBinder.time(t);
        }
        if (v instanceof OffsetTime t) {
            return ValueBinder.TIMETZ.format(t);
        }
        if (v instanceof LocalDateTime t) {
            return ValueBinder.DATETIME.format(t);
        }
        if (v instanceof Instant i) {
            return i.toString();
        }
        if (v instanceof LocalDate d) {
            return d.toString();
        }
        return v.toString();
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
