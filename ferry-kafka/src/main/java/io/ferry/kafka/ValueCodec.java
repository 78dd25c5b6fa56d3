package io.ferry.kafka;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.ferry.core.BoundedArray;
import io.ferry.core.ColumnType;
import io.ferry.core.TypeKind;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The JSON encoding of one column value per {@link TypeKind}, following Debezium's conventions with
 * {@code decimal.handling.mode=string} and {@code interval.handling.mode=string}. Writing is allocation-light
 * (date-times are formatted into a reusable char buffer), so an instance is not thread-safe; reading is static.
 */
final class ValueCodec {

    private static final long MICROS_PER_SECOND = 1_000_000L;
    private static final long MICROS_PER_DAY = 86_400L * MICROS_PER_SECOND;
    /** The timestamps whose microseconds since the epoch fit a long without meeting the infinity markers. */
    private static final LocalDateTime LAST_MICROS = fromMicros(Long.MAX_VALUE - 1);
    private static final LocalDateTime FIRST_MICROS = fromMicros(Long.MIN_VALUE + 1);

    /** The fields of an array whose lower bounds are not all 1, documented in docs/events.md. */
    static final String LOWER_BOUNDS = "lower_bounds";
    static final String ELEMENTS = "elements";

    private final char[] scratch = new char[64];

    /**
     * {@link BigDecimal#toPlainString()}'s text of {@code d} into {@code out} when its unscaled value has at most 18
     * digits and its scale is 0 to 18 (most decimals a database holds), returning the length; else -1. A snapshot
     * writes one per decimal column per row, and toPlainString builds Strings for each: 26-90 ns against 18 here.
     */
    static int plainText(BigDecimal d, char[] out) {
        int scale = d.scale();
        if (scale < 0 || scale > 18 || d.precision() > 18) {
            return -1;
        }
        long u = d.unscaledValue().longValue();
        int len = 0;
        if (u < 0) {
            out[len++] = '-';
            u = -u;
        }
        int digits = 1;
        for (long rest = u / 10; rest != 0; rest /= 10) {
            digits++;
        }
        digits = Math.max(digits, scale + 1);
        int end = len + digits + (scale > 0 ? 1 : 0);
        int p = end;
        for (int i = 0; i < digits; i++) {
            if (scale > 0 && i == scale) {
                out[--p] = '.';
            }
            out[--p] = (char) ('0' + u % 10);
            u /= 10;
        }
        return end;
    }

    void write(JsonGenerator g, ColumnType type, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
            return;
        }
        switch (type.kind()) {
            case INT16 -> g.writeNumber((Short) v);
            case INT32 -> g.writeNumber((Integer) v);
            case INT64 -> g.writeNumber((Long) v);
            case DECIMAL -> {
                if (v instanceof BigDecimal d) {
                    int len = plainText(d, scratch);
                    if (len >= 0) {
                        g.writeString(scratch, 0, len);
                    } else {
                        g.writeString(d.toPlainString());
                    }
                } else {
                    g.writeString(special((String) v));
                }
            }
            case FLOAT32 -> {
                float f = (Float) v;
                if (Float.isFinite(f)) {
                    g.writeNumber(f);
                } else {
                    g.writeString(Float.toString(f));
                }
            }
            case FLOAT64 -> {
                double d = (Double) v;
                if (Double.isFinite(d)) {
                    g.writeNumber(d);
                } else {
                    g.writeString(Double.toString(d));
                }
            }
            case BOOLEAN -> g.writeBoolean((Boolean) v);
            case TEXT, ENUM, UNKNOWN, INTERVAL, JSON -> g.writeString((String) v);
            case BYTES -> g.writeBinary((byte[]) v);
            case DATE -> g.writeNumber(((LocalDate) v).toEpochDay());
            // PostgreSQL's 24:00:00 arrives as LocalTime.MAX; it travels as a full day of microseconds.
            case TIME -> g.writeNumber(LocalTime.MAX.equals(v) ? MICROS_PER_DAY : ((LocalTime) v).toNanoOfDay() / 1000);
            case DURATION -> g.writeNumber(micros((Duration) v));
            case TIMETZ -> {
                OffsetTime t = (OffsetTime) v;
                int n = time(0, t.getHour(), t.getMinute(), t.getSecond(), t.getNano());
                String offset = t.getOffset().getId();
                offset.getChars(0, offset.length(), scratch, n);
                g.writeString(scratch, 0, n + offset.length());
            }
            case TIMESTAMP -> {
                LocalDateTime t = (LocalDateTime) v;
                // infinity and -infinity travel as the extreme longs. The few legal PostgreSQL timestamps past
                // microseconds a long holds (after 294247-01-10T04:00:54.775806) travel as ISO-8601 text.
                if (t.equals(LocalDateTime.MAX) || t.equals(LocalDateTime.MIN)) {
                    g.writeNumber(t.equals(LocalDateTime.MAX) ? Long.MAX_VALUE : Long.MIN_VALUE);
                } else if (t.isAfter(LAST_MICROS) || t.isBefore(FIRST_MICROS)) {
                    g.writeString(t.toString());
                } else {
                    g.writeNumber(t.toEpochSecond(ZoneOffset.UTC) * MICROS_PER_SECOND + t.getNano() / 1000);
                }
            }
            case TIMESTAMPTZ -> {
                if (v.equals(Instant.MAX) || v.equals(Instant.MIN)) {
                    g.writeString(v.equals(Instant.MAX) ? "infinity" : "-infinity");
                } else {
                    writeInstant(g, (Instant) v);
                }
            }
            case UUID -> g.writeString(((UUID) v).toString());
            case ARRAY -> {
                if (v instanceof BoundedArray bounded) {
                    writeBounded(g, type, bounded);
                } else {
                    writeArray(g, type, (List<?>) v);
                }
            }
        }
    }

    /** An array whose lower bounds are not all 1, as {@code {"lower_bounds":[0],"elements":[1,2]}}. */
    private void writeBounded(JsonGenerator g, ColumnType type, BoundedArray bounded) throws IOException {
        g.writeStartObject();
        g.writeArrayFieldStart(LOWER_BOUNDS);
        for (int lower : bounded.lowerBounds()) {
            g.writeNumber(lower);
        }
        g.writeEndArray();
        g.writeFieldName(ELEMENTS);
        writeArray(g, type, bounded.elements());
        g.writeEndObject();
    }

    private void writeArray(JsonGenerator g, ColumnType type, List<?> list) throws IOException {
        g.writeStartArray();
        ColumnType element = type.element();
        for (Object item : list) {
            // A multi-dimensional array arrives as nested lists under one element type.
            if (item instanceof List<?> inner && element.kind() != TypeKind.ARRAY) {
                writeArray(g, type, inner);
            } else {
                write(g, element, item);
            }
        }
        g.writeEndArray();
    }

    private void writeInstant(JsonGenerator g, Instant t) throws IOException {
        LocalDateTime u = LocalDateTime.ofEpochSecond(t.getEpochSecond(), t.getNano(), ZoneOffset.UTC);
        int n;
        int year = u.getYear();
        if (year >= 0 && year <= 9999) {
            n = digits(0, year, 4);
            scratch[n++] = '-';
            n = digits(n, u.getMonthValue(), 2);
            scratch[n++] = '-';
            n = digits(n, u.getDayOfMonth(), 2);
        } else {
            String date = DateTimeFormatter.ISO_LOCAL_DATE.format(u);
            date.getChars(0, date.length(), scratch, 0);
            n = date.length();
        }
        scratch[n++] = 'T';
        n = time(n, u.getHour(), u.getMinute(), u.getSecond(), u.getNano());
        scratch[n++] = 'Z';
        g.writeString(scratch, 0, n);
    }

    /** HH:mm:ss.ffffff (nine fraction digits only when the value has sub-microsecond digits). */
    private int time(int n, int hour, int minute, int second, int nano) {
        n = digits(n, hour, 2);
        scratch[n++] = ':';
        n = digits(n, minute, 2);
        scratch[n++] = ':';
        n = digits(n, second, 2);
        scratch[n++] = '.';
        return nano % 1000 == 0 ? digits(n, nano / 1000, 6) : digits(n, nano, 9);
    }

    private int digits(int n, int value, int width) {
        for (int i = n + width - 1; i >= n; i--) {
            scratch[i] = (char) ('0' + value % 10);
            value /= 10;
        }
        return n + width;
    }

    private static String special(String s) {
        if (!s.equals("NaN") && !s.equals("Infinity") && !s.equals("-Infinity")) {
            throw new ClassCastException("a DECIMAL value is a BigDecimal or NaN/Infinity/-Infinity, not \"" + s + "\"");
        }
        return s;
    }

    /** Reads the value at the parser's current token. */
    static Object read(JsonParser p, ColumnType type) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        return switch (type.kind()) {
            case INT16 -> p.getShortValue();
            case INT32 -> p.getIntValue();
            case INT64 -> p.getLongValue();
            case DECIMAL -> t == JsonToken.VALUE_STRING
                    ? decimal(p.getTextCharacters(), p.getTextOffset(), p.getTextLength())
                    : p.getDecimalValue();
            // Parsing the text, not a double, keeps a float's exact value (1.1f stays 1.1f).
            case FLOAT32 -> Float.parseFloat(p.getText());
            case FLOAT64 -> Double.parseDouble(p.getText());
            case BOOLEAN -> p.getBooleanValue();
            case TEXT, ENUM, UNKNOWN, INTERVAL, JSON -> p.getText();
            case BYTES -> p.getBinaryValue();
            case DATE -> LocalDate.ofEpochDay(p.getLongValue());
            case TIME -> {
                long micros = p.getLongValue();
                yield micros == MICROS_PER_DAY ? LocalTime.MAX : LocalTime.ofNanoOfDay(micros * 1000);
            }
            case DURATION -> Duration.of(p.getLongValue(), ChronoUnit.MICROS);
            case TIMETZ -> OffsetTime.parse(p.getText());
            case TIMESTAMP -> {
                if (p.currentToken() == JsonToken.VALUE_STRING) {
                    yield LocalDateTime.parse(p.getText());
                }
                long micros = p.getLongValue();
                if (micros == Long.MAX_VALUE || micros == Long.MIN_VALUE) {
                    yield micros == Long.MAX_VALUE ? LocalDateTime.MAX : LocalDateTime.MIN;
                }
                yield LocalDateTime.ofEpochSecond(Math.floorDiv(micros, MICROS_PER_SECOND),
                        (int) Math.floorMod(micros, MICROS_PER_SECOND) * 1000, ZoneOffset.UTC);
            }
            case TIMESTAMPTZ -> switch (p.getText()) {
                case "infinity" -> Instant.MAX;
                case "-infinity" -> Instant.MIN;
                default -> instant(p.getText());
            };
            case UUID -> java.util.UUID.fromString(p.getText());
            case ARRAY -> readAnyArray(p, type);
        };
    }

    /**
     * A decimal's text as {@code new BigDecimal(text)} reads it (same value, same scale), or NaN/Infinity/-Infinity as
     * text. Up to 18 digits with an optional sign and point, the common case, are read by hand without a String.
     */
    static Object decimal(char[] text, int offset, int length) {
        int end = offset + length;
        int i = offset;
        boolean negative = length > 0 && text[i] == '-';
        if (negative) {
            i++;
        }
        long unscaled = 0;
        int digits = 0;
        int scale = -1;
        for (; i < end && digits <= 18; i++) {
            char ch = text[i];
            if (ch >= '0' && ch <= '9') {
                unscaled = unscaled * 10 + (ch - '0');
                digits++;
                if (scale >= 0) {
                    scale++;
                }
            } else if (ch == '.' && scale < 0) {
                scale = 0;
            } else {
                break;
            }
        }
        if (i == end && digits > 0 && digits <= 18) {
            return BigDecimal.valueOf(negative ? -unscaled : unscaled, Math.max(scale, 0));
        }
        String s = new String(text, offset, length);
        return s.equals("NaN") || s.equals("Infinity") || s.equals("-Infinity") ? s : new BigDecimal(s);
    }

    /**
     * {@code Instant.parse}, which goes through a DateTimeFormatter and a map of parsed fields per value, read by hand
     * for the form {@link #writeInstant} writes ({@code yyyy-MM-ddTHH:mm:ss.ffffffZ}, 1 to 9 fraction digits); any
     * other form (a year beyond 9999, a leap second, an offset) is left to {@code Instant.parse}.
     */
    static Instant instant(String s) {
        int n = s.length();
        if (n < 20 || n > 30 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':'
                || s.charAt(16) != ':' || s.charAt(n - 1) != 'Z' || (n > 20 && (s.charAt(19) != '.' || n == 21))) {
            return Instant.parse(s);
        }
        int year = number(s, 0, 4);
        int month = number(s, 5, 7);
        int day = number(s, 8, 10);
        int hour = number(s, 11, 13);
        int minute = number(s, 14, 16);
        int second = number(s, 17, 19);
        int nano = 0;
        if (n > 20) {
            nano = number(s, 20, n - 1);
            for (int i = n - 1 - 20; i < 9; i++) {
                nano *= 10;
            }
        }
        if ((year | month | day | hour | minute | second | nano) < 0 || hour > 23 || minute > 59 || second > 59) {
            return Instant.parse(s);
        }
        // LocalDate.of refuses a day the month does not have, as Instant.parse does.
        long days = LocalDate.of(year, month, day).toEpochDay();
        return Instant.ofEpochSecond(days * 86_400L + hour * 3600L + minute * 60L + second, nano);
    }

    /** The decimal digits {@code s[from, to)}, or -1 when one is not a digit. */
    private static int number(String s, int from, int to) {
        int v = 0;
        for (int i = from; i < to; i++) {
            int d = s.charAt(i) - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v;
    }

    /** A plain JSON array, or the object form of an array with other lower bounds than 1 (either field first). */
    private static Object readAnyArray(JsonParser p, ColumnType type) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            return readArray(p, type);
        }
        List<Integer> lowerBounds = null;
        List<Object> elements = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            if (field.equals(LOWER_BOUNDS) && p.currentToken() == JsonToken.START_ARRAY) {
                lowerBounds = new ArrayList<>();
                while (p.nextToken() == JsonToken.VALUE_NUMBER_INT) {
                    lowerBounds.add(p.getIntValue());
                }
                if (p.currentToken() != JsonToken.END_ARRAY) {
                    throw new IOException("\"" + LOWER_BOUNDS + "\" of " + type.sourceName()
                            + " holds integers, found " + p.currentToken());
                }
            } else if (field.equals(ELEMENTS)) {
                elements = readArray(p, type);
            } else {
                throw new IOException("an array of " + type.sourceName() + " with lower bounds has only \""
                        + LOWER_BOUNDS + "\" and \"" + ELEMENTS + "\", found \"" + field + "\"");
            }
        }
        if (lowerBounds == null || elements == null) {
            throw new IOException("an array of " + type.sourceName() + " as an object needs both \"" + LOWER_BOUNDS
                    + "\" and \"" + ELEMENTS + "\"");
        }
        try {
            return BoundedArray.of(lowerBounds, elements);
        } catch (IllegalArgumentException e) {
            throw new IOException("bad array of " + type.sourceName() + ": " + e.getMessage(), e);
        }
    }

    private static List<Object> readArray(JsonParser p, ColumnType type) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new IOException("expected a JSON array for " + type.sourceName() + ", found " + p.currentToken());
        }
        ColumnType element = type.element();
        List<Object> list = new ArrayList<>();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == JsonToken.START_ARRAY && element.kind() != TypeKind.ARRAY) {
                list.add(readArray(p, type));
            } else {
                list.add(read(p, element));
            }
        }
        return list;
    }

    /** A duration in whole microseconds, as Debezium writes MySQL's TIME ({@code io.debezium.time.MicroTime}). */
    private static long micros(Duration d) {
        return Math.addExact(Math.multiplyExact(d.getSeconds(), MICROS_PER_SECOND), d.getNano() / 1000);
    }

    private static LocalDateTime fromMicros(long micros) {
        return LocalDateTime.ofEpochSecond(Math.floorDiv(micros, MICROS_PER_SECOND),
                (int) Math.floorMod(micros, MICROS_PER_SECOND) * 1000, ZoneOffset.UTC);
    }
}
