package io.ferry.clickhouse;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.ferry.core.BoundedArray;
import io.ferry.core.ColumnType;
import io.ferry.core.TypeKind;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
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
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * Values of each {@link TypeKind} as the text of a ClickHouse column of the type {@link ClickHouseTypes} gives it,
 * and back. Writing refuses ({@link UnfitValueException}) every value the column would not hold exactly: a date
 * outside the server's range, a NaN for a {@code Decimal}, more digits than the column's precision; ClickHouse
 * itself would wrap such a date or round such a number without a word.
 */
final class CellText {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSS");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS");
    private static final DateTimeFormatter NATIVE_STAMP = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS");
    private static final LocalDate DATE_MIN = LocalDate.of(1970, 1, 1);
    private static final LocalDate DATE_MAX = LocalDate.of(2105, 12, 31);
    private static final LocalDate DATE32_MIN = LocalDate.of(1900, 1, 1);
    private static final LocalDate DATE32_MAX = LocalDate.of(2299, 12, 31);

    private CellText() {
    }

    /** Writes {@code v} (not null, not unchanged) as the next field of {@code out}. */
    static void write(Object v, ColumnType type, ServerVersion server, CellOut out) {
        switch (type.kind()) {
            case INT16, INT32, INT64 -> out.plain(v.toString());
            case DECIMAL -> decimal(v, type, out);
            case FLOAT32, FLOAT64 -> out.plain(floatText(((Number) v).doubleValue(), v.toString()));
            case BOOLEAN -> out.plain(((Boolean) v) ? "1" : "0");
            case BYTES -> out.bytes((byte[]) v);
            case UUID -> out.plain(v.toString());
            case DATE -> out.plain(date((LocalDate) v, server));
            case DURATION -> out.plain(Long.toString(micros((Duration) v)));
            case TIMESTAMP -> out.plain(server.hasDateTime64() ? nativeStamp((LocalDateTime) v)
                    : stamp((LocalDateTime) v));
            case TIMESTAMPTZ -> {
                LocalDateTime utc = utc(instant(v));
                out.plain(server.hasDateTime64() ? nativeStamp(utc) : stamp(utc) + "Z");
            }
            case TIME, TIMETZ, INTERVAL -> out.text(text(v, type.kind()));
            case ARRAY -> {
                BoundedArray bounded = BoundedArray.find(v);
                if (bounded != null) {
                    // The JSON array text has no lower bounds: refused, never stored as if its bounds were 1.
                    throw new UnfitValueException("ClickHouse cannot keep the lower bounds of the ARRAY value "
                            + bounded);
                }
                out.text(jsonArray((List<?>) v, type.element()));
            }
            case TEXT, JSON, ENUM, UNKNOWN -> out.text(v.toString());
        }
    }

    /** The value a stored field holds, as the Java class {@code type}'s kind defines. */
    static Object read(byte[] field, ColumnType type) {
        String s = type.kind() == TypeKind.BYTES ? null : new String(field, StandardCharsets.UTF_8);
        return switch (type.kind()) {
            case INT16 -> Short.valueOf(s);
            case INT32 -> Integer.valueOf(s);
            case INT64 -> Long.valueOf(s);
            case DECIMAL -> s.equals("NaN") || s.endsWith("Infinity") ? s : new BigDecimal(s);
            case FLOAT32 -> (float) parseFloat(s);
            case FLOAT64 -> parseFloat(s);
            case BOOLEAN -> s.equals("1") || s.equals("true");
            case BYTES -> field;
            case UUID -> UUID.fromString(s);
            // 18.16 prints its day 0, 1970-01-01, as 0000-00-00.
            case DATE -> s.equals("0000-00-00") ? LocalDate.EPOCH : LocalDate.parse(s);
            case DURATION -> Duration.of(Long.parseLong(s), ChronoUnit.MICROS);
            case TIMESTAMP -> LocalDateTime.parse(s.replace(' ', 'T'));
            case TIMESTAMPTZ -> LocalDateTime.parse(s.replace(' ', 'T').replace("Z", "")).toInstant(ZoneOffset.UTC);
            case TIME -> s.startsWith("24:") ? LocalTime.MAX : LocalTime.parse(s);
            case TIMETZ -> s.startsWith("24:") ? OffsetTime.of(LocalTime.MAX, ZoneOffset.of(s.substring(15)))
                    : OffsetTime.parse(s);
            case ARRAY -> fromJson(s, type.element());
            case TEXT, JSON, ENUM, UNKNOWN, INTERVAL -> s;
        };
    }

    private static void decimal(Object v, ColumnType type, CellOut out) {
        int[] ps = ClickHouseTypes.precisionScale(type);
        if (!(v instanceof BigDecimal d)) {
            if (ps != null) {
                throw new UnfitValueException(v + " has no value in ClickHouse Decimal(" + ps[0] + ", " + ps[1] + ")");
            }
            out.plain(v.toString());
            return;
        }
        if (ps != null) {
            BigDecimal stripped = d.signum() == 0 ? BigDecimal.ZERO : d.stripTrailingZeros();
            int scale = Math.max(stripped.scale(), 0);
            if (scale > ps[1] || stripped.precision() - stripped.scale() > ps[0] - ps[1]) {
                throw new UnfitValueException(d.toPlainString() + " does not fit ClickHouse Decimal(" + ps[0] + ", "
                        + ps[1] + ")");
            }
        }
        out.plain(d.toPlainString());
    }

    /** ClickHouse's spellings of the special values; finite values in Java's shortest exact form. */
    private static String floatText(double d, String javaText) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        // 18.16 reads any number written with exponent -324 as 0 (it scales by 1e-324, which underflows), though
        // the same value written with exponent -323 reads exactly: 4.9E-324 goes as 0.49E-323.
        if (javaText.endsWith("E-324")) {
            String mantissa = javaText.substring(0, javaText.length() - 5);
            boolean negative = mantissa.startsWith("-");
            String digits = (negative ? mantissa.substring(1) : mantissa).replace(".", "");
            return (negative ? "-" : "") + "0." + digits + "E-323";
        }
        return javaText;
    }

    private static double parseFloat(String s) {
        return switch (s) {
            case "nan", "-nan" -> Double.NaN;
            case "inf", "+inf" -> Double.POSITIVE_INFINITY;
            case "-inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(s);
        };
    }

    private static String date(LocalDate d, ServerVersion server) {
        LocalDate min = server.hasDate32() ? DATE32_MIN : DATE_MIN;
        LocalDate max = server.hasDate32() ? DATE32_MAX : DATE_MAX;
        if (d.isBefore(min) || d.isAfter(max)) {
            throw new UnfitValueException("date " + d + " is outside ClickHouse "
                    + (server.hasDate32() ? "Date32" : "Date")
                    + " (" + min + " to " + max + ")");
        }
        return d.toString();
    }

    private static long micros(Duration d) {
        return Math.addExact(Math.multiplyExact(d.getSeconds(), 1_000_000L), d.getNano() / 1000);
    }

    private static Instant instant(Object v) {
        return (Instant) v;
    }

    /** The instant in UTC; PostgreSQL's {@code ±infinity} (Instant.MAX, MIN) has no date-time: refused by value. */
    private static LocalDateTime utc(Instant t) {
        try {
            return LocalDateTime.ofInstant(t, ZoneOffset.UTC);
        } catch (DateTimeException e) {
            throw new UnfitValueException("timestamp " + t + " is outside years 0 to 9999, which the sink stores");
        }
    }

    /** DateTime64(6) holds 1900-01-01 to 2299-12-31. */
    private static String nativeStamp(LocalDateTime t) {
        if (t.getYear() < 1900 || t.getYear() > 2299) {
            throw new UnfitValueException("timestamp " + t + " is outside ClickHouse DateTime64 (1900 to 2299)");
        }
        return NATIVE_STAMP.format(t);
    }

    /** Fixed-width ISO text, which sorts like the timestamps: years 0 to 9999 only. */
    private static String stamp(LocalDateTime t) {
        if (t.getYear() < 0 || t.getYear() > 9999) {
            throw new UnfitValueException("timestamp " + t + " is outside years 0 to 9999, which the sink stores");
        }
        return STAMP.format(t);
    }

    /** The String form of times, intervals and every array element that is not a JSON number or boolean. */
    private static String text(Object v, TypeKind kind) {
        return switch (kind) {
            case TIME -> v.equals(LocalTime.MAX) ? "24:00:00.000000" : TIME.format((LocalTime) v);
            case TIMETZ -> {
                OffsetTime t = (OffsetTime) v;
                String offset = t.getOffset().equals(ZoneOffset.UTC) ? "+00:00" : t.getOffset().getId();
                yield (t.toLocalTime().equals(LocalTime.MAX) ? "24:00:00.000000" : TIME.format(t.toLocalTime()))
                        + offset;
            }
            case TIMESTAMP -> stamp((LocalDateTime) v);
            case TIMESTAMPTZ -> stamp(utc((Instant) v)) + "Z";
            case DURATION -> Long.toString(micros((Duration) v));
            case BYTES -> Base64.getEncoder().encodeToString((byte[]) v);
            case DECIMAL -> v instanceof BigDecimal d ? d.toPlainString() : v.toString();
            default -> v.toString();
        };
    }

    static String jsonArray(List<?> list, ColumnType element) {
        try {
            return JSON.writeValueAsString(toJson(list, element));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ArrayNode toJson(List<?> list, ColumnType element) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode(list.size());
        for (Object e : list) {
            if (e == null) {
                a.addNull();
            } else if (element.kind() == TypeKind.ARRAY || e instanceof List<?>) {
                a.add(toJson((List<?>) e, element.kind() == TypeKind.ARRAY ? element.element() : element));
            } else {
                switch (element.kind()) {
                    case INT16, INT32, INT64 -> a.add(((Number) e).longValue());
                    case BOOLEAN -> a.add((Boolean) e);
                    case FLOAT32 -> {
                        float f = (Float) e;
                        if (Float.isFinite(f)) {
                            a.add(f);
                        } else {
                            a.add(Float.toString(f));
                        }
                    }
                    case FLOAT64 -> {
                        double d = (Double) e;
                        if (Double.isFinite(d)) {
                            a.add(d);
                        } else {
                            a.add(Double.toString(d));
                        }
                    }
                    default -> a.add(text(e, element.kind()));
                }
            }
        }
        return a;
    }

    private static List<Object> fromJson(String text, ColumnType element) {
        try {
            return fromJson(JSON.readTree(text), element);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a JSON array: " + text, e);
        }
    }

    private static List<Object> fromJson(JsonNode array, ColumnType element) {
        List<Object> out = new ArrayList<>(array.size());
        for (JsonNode n : array) {
            if (n.isNull()) {
                out.add(null);
            } else if (n.isArray()) {
                out.add(fromJson(n, element.kind() == TypeKind.ARRAY ? element.element() : element));
            } else {
                out.add(element(n, element));
            }
        }
        return out;
    }

    private static Object element(JsonNode n, ColumnType type) {
        String s = n.asText();
        return switch (type.kind()) {
            case INT16 -> (short) n.asInt();
            case INT32 -> n.asInt();
            case INT64 -> n.asLong();
            case BOOLEAN -> n.asBoolean();
            case FLOAT32 -> n.isNumber() ? n.floatValue() : Float.parseFloat(s);
            case FLOAT64 -> n.isNumber() ? n.doubleValue() : Double.parseDouble(s);
            case BYTES -> Base64.getDecoder().decode(s);
            case DURATION -> Duration.of(Long.parseLong(s), ChronoUnit.MICROS);
            case TIMESTAMP, TIMESTAMPTZ, TIME, TIMETZ, DECIMAL, UUID, DATE ->
                    read(s.getBytes(StandardCharsets.UTF_8), type);
            default -> s;
        };
    }
}
