package io.ferry.iceberg;

import io.ferry.core.BoundedArray;
import io.ferry.core.ColumnType;
import io.ferry.core.TypeKind;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * Ferry's column types as Iceberg types, and values both ways. Exact wherever Iceberg has the type: decimal(p,s)
 * up to 38 digits, timestamps with and without zone in microseconds, uuid, binary, lists. Kinds Iceberg lacks are
 * kept exactly in another form: a duration as a signed count of microseconds ({@code long}), a time with zone, an
 * interval, JSON, an enum label and a numeric without bounds (or wider than 38 digits) as text.
 */
final class IcebergTypes {

    private static final Pattern MODIFIERS = Pattern.compile("\\(\\s*(\\d+)\\s*(?:,\\s*(-?\\d+)\\s*)?\\)");
    private static final LocalDateTime EPOCH = LocalDateTime.of(1970, 1, 1, 0, 0);

    private IcebergTypes() {
    }

    /** The Iceberg type for {@code type}; nested ids are taken from {@code ids} (a catalog renumbers them). */
    static Type of(ColumnType type, AtomicInteger ids) {
        return switch (type.kind()) {
            case INT16, INT32 -> Types.IntegerType.get();
            case INT64, DURATION -> Types.LongType.get();
            case DECIMAL -> {
                // MySQL 8 names a bigint unsigned without a width (MariaDB: bigint(20) unsigned): 20 digits either way.
                int[] m = type.sourceName().toLowerCase(java.util.Locale.ROOT).startsWith("bigint") ? new int[] {20, 0}
                        : modifiers(type);
                yield m == null || m[0] > 38 || m[1] < 0 || m[1] > m[0] ? Types.StringType.get()
                        : Types.DecimalType.of(m[0], m[1]);
            }
            case FLOAT32 -> Types.FloatType.get();
            case FLOAT64 -> Types.DoubleType.get();
            case BOOLEAN -> Types.BooleanType.get();
            case BYTES -> Types.BinaryType.get();
            case DATE -> Types.DateType.get();
            case TIME -> Types.TimeType.get();
            case TIMESTAMP -> Types.TimestampType.withoutZone();
            case TIMESTAMPTZ -> Types.TimestampType.withZone();
            case UUID -> Types.UUIDType.get();
            case ARRAY -> Types.ListType.ofOptional(ids.incrementAndGet(), of(type.element(), ids));
            case TEXT, TIMETZ, INTERVAL, JSON, ENUM, UNKNOWN -> Types.StringType.get();
        };
    }

    /**
     * {@code value} (of the Java class {@link TypeKind} defines) as Iceberg's generic value for {@code target}, the
     * table's column type, which may be wider than the event's own (a lenient sink keeps widened columns).
     *
     * @throws IllegalArgumentException when the value does not fit, naming why
     */
    static Object toIceberg(Object value, Type target) {
        if (value == null) {
            return null;
        }
        return switch (target.typeId()) {
            case INTEGER -> ((Number) value).intValue();
            case LONG -> value instanceof Duration d ? micros(d) : ((Number) value).longValue();
            case FLOAT -> ((Number) value).floatValue();
            case DOUBLE -> ((Number) value).doubleValue();
            case BOOLEAN -> (Boolean) value;
            case DECIMAL -> decimal(value, (Types.DecimalType) target);
            case STRING -> text(value);
            case BINARY -> ByteBuffer.wrap((byte[]) value);
            case DATE -> date((LocalDate) value);
            case TIME -> time((LocalTime) value);
            case TIMESTAMP -> ((Types.TimestampType) target).shouldAdjustToUTC()
                    ? timestamptz((Instant) value) : timestamp((LocalDateTime) value);
            case UUID -> value instanceof UUID u ? u : UUID.fromString(value.toString());
            case LIST -> {
                if (value instanceof BoundedArray bounded) {
                    // An Iceberg list has no lower bounds: refused, never stored as if its bounds were 1.
                    throw new IllegalArgumentException("an Iceberg list cannot keep the lower bounds of the ARRAY"
                            + " value " + bounded);
                }
                Type element = ((Types.ListType) target).elementType();
                List<Object> out = new ArrayList<>();
                for (Object o : (List<?>) value) {
                    if (o instanceof List<?> && element.typeId() != Type.TypeID.LIST) {
                        // PostgreSQL does not declare an array's dimensions: integer[][] is a list<int> column.
                        throw new IllegalArgumentException("the ARRAY value " + value + " has more dimensions than the"
                                + " Iceberg column's type " + target);
                    }
                    out.add(toIceberg(o, element));
                }
                yield out;
            }
            default -> throw new IllegalArgumentException("no Iceberg value for type " + target);
        };
    }

    /** An Iceberg generic value read back as the value {@code kind} defines, for {@code ferry verify}. */
    static Object toFerry(Object value, ColumnType type) {
        if (value == null) {
            return null;
        }
        return switch (type.kind()) {
            case INT16 -> ((Number) value).shortValue();
            case INT32 -> ((Number) value).intValue();
            case INT64 -> ((Number) value).longValue();
            case DURATION -> Duration.of(((Number) value).longValue(), ChronoUnit.MICROS);
            case DECIMAL -> value instanceof BigDecimal b ? b : decimalText(value.toString());
            case FLOAT32 -> ((Number) value).floatValue();
            case FLOAT64 -> ((Number) value).doubleValue();
            case BYTES -> {
                ByteBuffer b = ((ByteBuffer) value).duplicate();
                byte[] out = new byte[b.remaining()];
                b.get(out);
                yield out;
            }
            case TIMESTAMPTZ -> ((OffsetDateTime) value).toInstant();
            case TIMETZ -> OffsetTime.parse(value.toString());
            case UUID -> value instanceof UUID u ? u : UUID.fromString(value.toString());
            case ARRAY -> {
                List<Object> out = new ArrayList<>();
                for (Object o : (List<?>) value) {
                    out.add(toFerry(o, type.element()));
                }
                yield out;
            }
            default -> value;
        };
    }

    private static Object decimalText(String text) {
        return switch (text) {
            case "NaN", "Infinity", "-Infinity" -> text;
            default -> new BigDecimal(text);
        };
    }

    private static BigDecimal decimal(Object value, Types.DecimalType t) {
        BigDecimal d;
        if (value instanceof BigDecimal b) {
            d = b;
        } else if (value instanceof String s) {
            throw new IllegalArgumentException("value " + s + " has no place in Iceberg type " + t);
        } else {
            d = new BigDecimal(value.toString());
        }
        BigDecimal scaled;
        try {
            scaled = d.setScale(t.scale(), RoundingMode.UNNECESSARY);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("value " + d.toPlainString() + " has more than " + t.scale()
                    + " decimal places for Iceberg type " + t);
        }
        if (scaled.precision() > t.precision()) {
            throw new IllegalArgumentException("value " + d.toPlainString() + " has more digits than Iceberg type " + t);
        }
        return scaled;
    }

    private static String text(Object value) {
        if (value instanceof BigDecimal b) {
            return b.toPlainString();
        }
        if (value instanceof byte[]) {
            throw new IllegalArgumentException("bytes cannot be written to a string column");
        }
        return value.toString();
    }

    /** Iceberg's time is µs of a day, 00:00 to 23:59:59.999999: PostgreSQL's 24:00:00 (LocalTime.MAX) has none. */
    private static LocalTime time(LocalTime t) {
        if (t.getNano() % 1_000 != 0) {
            throw new IllegalArgumentException(t.equals(LocalTime.MAX)
                    ? "time 24:00:00 has no Iceberg time (00:00:00 to 23:59:59.999999)"
                    : "time " + t + " has more than the microseconds Iceberg's time holds");
        }
        return t;
    }

    /** Iceberg stores a date as int days since 1970: a date beyond (PostgreSQL's infinity) would wrap silently. */
    private static LocalDate date(LocalDate d) {
        long days = d.toEpochDay();
        if (days != (int) days) {
            throw new IllegalArgumentException("date " + d + " is outside Iceberg's date (int days from 1970-01-01)");
        }
        return d;
    }

    /** Iceberg stores a timestamp as long microseconds since 1970: about years -290308 to 294247. */
    private static LocalDateTime timestamp(LocalDateTime t) {
        LocalDateTime micros = t.truncatedTo(ChronoUnit.MICROS);
        try {
            ChronoUnit.MICROS.between(EPOCH, micros);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("timestamp " + t + " is outside Iceberg's timestamp (long microseconds"
                    + " from 1970)");
        }
        return micros;
    }

    private static OffsetDateTime timestamptz(Instant t) {
        try {
            Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
            return OffsetDateTime.ofInstant(t, ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
        } catch (ArithmeticException | DateTimeException e) {
            throw new IllegalArgumentException("timestamp " + t + " is outside Iceberg's timestamptz (long"
                    + " microseconds from 1970)");
        }
    }

    private static long micros(Duration d) {
        return Math.addExact(Math.multiplyExact(d.getSeconds(), 1_000_000L), d.getNano() / 1_000);
    }

    private static int[] modifiers(ColumnType t) {
        Matcher m = MODIFIERS.matcher(t.sourceName());
        if (!m.find()) {
            return null;
        }
        return new int[] {Integer.parseInt(m.group(1)), m.group(2) == null ? 0 : Integer.parseInt(m.group(2))};
    }
}
