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
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Reads PostgreSQL output text into {@link TypeKind}'s Java classes, under the session settings
 * {@link PostgresDialect} sets ({@code DateStyle=ISO}, {@code IntervalStyle=iso_8601}, {@code TimeZone=UTC},
 * {@code extra_float_digits=3}, {@code bytea_output=hex}). The inverse of {@link PgText}.
 */
final class PgTextDecoder {

    private PgTextDecoder() {
    }

    static Object decode(ColumnType type, String text) {
        if (text == null) {
            return null;
        }
        return switch (type.kind()) {
            case INT16 -> Short.valueOf(text);
            case INT32 -> Integer.valueOf(text);
            case INT64 -> Long.valueOf(text);
            case DECIMAL -> switch (text) {
                case "NaN", "Infinity", "-Infinity" -> text;
                default -> new BigDecimal(text);
            };
            case FLOAT32 -> Float.valueOf(text);
            case FLOAT64 -> Double.valueOf(text);
            case BOOLEAN -> text.equals("t") || text.equals("true");
            case BYTES -> bytes(text);
            case DATE -> date(text);
            case TIME -> text.startsWith("24:") ? LocalTime.MAX : LocalTime.parse(text);
            case DURATION -> java.time.Duration.parse(text);
            case TIMETZ -> timetz(text);
            case TIMESTAMP -> timestamp(text);
            case TIMESTAMPTZ -> timestamptz(text);
            case UUID -> UUID.fromString(text);
            case ARRAY -> withBounds(text, new ArrayParser(baseElement(type), text).parse());
            case TEXT, INTERVAL, JSON, ENUM, UNKNOWN -> text;
        };
    }

    /** The elements as a {@link BoundedArray} when the text starts with dimensions ({@code [0:1][1:2]=}). */
    private static Object withBounds(String text, List<Object> elements) {
        if (!text.startsWith("[")) {
            return elements;
        }
        List<Integer> lower = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\[(-?\\d+):-?\\d+\\]")
                .matcher(text.substring(0, text.indexOf('=')));
        while (m.find()) {
            lower.add(Integer.valueOf(m.group(1)));
        }
        return BoundedArray.of(lower, elements);
    }

    private static ColumnType baseElement(ColumnType array) {
        ColumnType e = array.element();
        while (e.kind() == TypeKind.ARRAY) {
            e = e.element();
        }
        return e;
    }

    private static byte[] bytes(String text) {
        int n = (text.length() - 2) / 2;
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) {
            out[i] = (byte) (Character.digit(text.charAt(2 + 2 * i), 16) << 4
                    | Character.digit(text.charAt(3 + 2 * i), 16));
        }
        return out;
    }

    private static LocalDate date(String text) {
        return switch (text) {
            case "infinity" -> LocalDate.MAX;
            case "-infinity" -> LocalDate.MIN;
            default -> ymd(text, text.endsWith(" BC"));
        };
    }

    private static LocalDateTime timestamp(String text) {
        return switch (text) {
            case "infinity" -> LocalDateTime.MAX;
            case "-infinity" -> LocalDateTime.MIN;
            default -> {
                boolean bc = text.endsWith(" BC");
                int space = text.indexOf(' ');
                String time = text.substring(space + 1, bc ? text.length() - 3 : text.length());
                yield LocalDateTime.of(ymd(text.substring(0, space), bc), LocalTime.parse(time));
            }
        };
    }

    private static Instant timestamptz(String text) {
        return switch (text) {
            case "infinity" -> Instant.MAX;
            case "-infinity" -> Instant.MIN;
            default -> {
                boolean bc = text.endsWith(" BC");
                int space = text.indexOf(' ');
                String timeAndOffset = text.substring(space + 1, bc ? text.length() - 3 : text.length());
                int sign = offsetStart(timeAndOffset);
                LocalDateTime local = LocalDateTime.of(ymd(text.substring(0, space), bc),
                        LocalTime.parse(timeAndOffset.substring(0, sign)));
                yield local.toInstant(offset(timeAndOffset.substring(sign)));
            }
        };
    }

    private static OffsetTime timetz(String text) {
        int sign = offsetStart(text);
        LocalTime time = text.startsWith("24:") ? LocalTime.MAX : LocalTime.parse(text.substring(0, sign));
        return OffsetTime.of(time, offset(text.substring(sign)));
    }

    /** {@code YYYY-MM-DD}, maybe with more year digits and a trailing {@code BC}. */
    private static LocalDate ymd(String s, boolean bc) {
        int dash = s.indexOf('-', 1);
        int year = Integer.parseInt(s, 0, dash, 10);
        int month = Integer.parseInt(s, dash + 1, dash + 3, 10);
        int day = Integer.parseInt(s, dash + 4, dash + 6, 10);
        return LocalDate.of(bc ? 1 - year : year, month, day);
    }

    private static int offsetStart(String s) {
        for (int i = 8; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '+' || c == '-') {
                return i;
            }
        }
        throw new IllegalArgumentException("no UTC offset in " + s);
    }

    /** {@code ±HH[:MM[:SS]]}. */
    private static ZoneOffset offset(String s) {
        int sign = s.charAt(0) == '-' ? -1 : 1;
        int h = Integer.parseInt(s, 1, 3, 10);
        int m = s.length() >= 6 ? Integer.parseInt(s, 4, 6, 10) : 0;
        int sec = s.length() >= 9 ? Integer.parseInt(s, 7, 9, 10) : 0;
        return ZoneOffset.ofHoursMinutesSeconds(sign * h, sign * m, sign * sec);
    }

    /** PostgreSQL's array output: braces, {@code ,} delimiters, quoted elements, unquoted {@code NULL}. */
    private static final class ArrayParser {
        private final ColumnType element;
        private final String s;
        private int pos;

        ArrayParser(ColumnType element, String s) {
            this.element = element;
            this.s = s;
            this.pos = s.startsWith("[") ? s.indexOf('=') + 1 : 0;
        }

        List<Object> parse() {
            expect('{');
            List<Object> out = new ArrayList<>();
            if (s.charAt(pos) == '}') {
                pos++;
                return out;
            }
            while (true) {
                char c = s.charAt(pos);
                if (c == '{') {
                    out.add(parse());
                } else if (c == '"') {
                    out.add(decode(element, quoted()));
                } else {
                    int start = pos;
                    while (s.charAt(pos) != ',' && s.charAt(pos) != '}') {
                        pos++;
                    }
                    String raw = s.substring(start, pos);
                    out.add(raw.equals("NULL") ? null : decode(element, raw));
                }
                char next = s.charAt(pos++);
                if (next == '}') {
                    return out;
                }
                if (next != ',') {
                    throw new IllegalArgumentException("malformed array at " + (pos - 1) + ": " + s);
                }
            }
        }

        private String quoted() {
            StringBuilder sb = new StringBuilder();
            pos++;
            while (true) {
                char c = s.charAt(pos++);
                if (c == '"') {
                    return sb.toString();
                }
                if (c == '\\') {
                    c = s.charAt(pos++);
                }
                sb.append(c);
            }
        }

        private void expect(char c) {
            if (s.charAt(pos) != c) {
                throw new IllegalArgumentException("expected '" + c + "' at " + pos + ": " + s);
            }
            pos++;
        }
    }
}
