package io.ferry.mysql.sink;

import io.ferry.core.BoundedArray;
import io.ferry.core.Column;
import io.ferry.core.ColumnType;
import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * Binds a value of a {@link io.ferry.core.TypeKind} to a statement parameter, in the form MySQL reads back
 * exactly. Decimals go as their plain digits, which a decimal column stores exactly and a text column keeps
 * as written, and {@code NaN}/{@code Infinity} numerics as those words: a text column holds them, a decimal
 * column refuses them. Temporal values go as text in MySQL's own format, instants in UTC (the session's zone).
 *
 * <p>A value MySQL cannot hold (a NaN or infinite float, a date outside years 1 to 9999, an array whose lower bounds
 * are not 1) fails with an {@link SQLDataException} that names it, so the event is rejected rather than stored as
 * something else.
 */
final class ValueBinder {

    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSS");
    static final DateTimeFormatter TIMETZ = DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSSxxx");
    static final DateTimeFormatter DATETIME = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS");

    private ValueBinder() {
    }

    static void bind(PreparedStatement ps, int index, Column column, Object value) throws SQLException {
        ColumnType type = column.type();
        if (value == null) {
            ps.setNull(index, Types.VARCHAR);
            return;
        }
        switch (type.kind()) {
            case INT16 -> ps.setShort(index, (Short) value);
            case INT32 -> ps.setInt(index, (Integer) value);
            case INT64 -> ps.setLong(index, (Long) value);
            case DECIMAL -> ps.setString(index, value instanceof BigDecimal d ? d.toPlainString() : value.toString());
            // As text: a numeric literal -0.0 is the decimal zero, while the string '-0.0' converts to -0.0.
            // The float's exact value as a double's text: MySQL parses the text as a double, and the float's own
            // shortest text (3.4028235E38 for Float.MAX_VALUE) can round beyond the float range.
            case FLOAT32 -> ps.setString(index, Double.toString(finite((Float) value, column)));
            case FLOAT64 -> ps.setString(index, Double.toString(finite((Double) value, column)));
            case BOOLEAN -> ps.setBoolean(index, (Boolean) value);
            case BYTES -> ps.setBytes(index, (byte[]) value);
            case DATE -> ps.setString(index, inRange((LocalDate) value, column).toString());
            case TIME -> ps.setString(index, time((LocalTime) value));
            case DURATION -> ps.setString(index, duration((Duration) value));
            case TIMETZ -> ps.setString(index, timetz((OffsetTime) value));
            case TIMESTAMP -> ps.setString(index, DATETIME.format(inRange((LocalDateTime) value, column)));
            case TIMESTAMPTZ -> ps.setString(index, DATETIME.format(inRange(utc((Instant) value, column), column)));
            case ARRAY -> ps.setString(index, JsonArrays.encode(type.element(), withoutBounds(value, column)));
            default -> ps.setString(index, value.toString());
        }
    }

    /** PostgreSQL's {@code 24:00:00} arrives as {@link LocalTime#MAX}; a MySQL time holds it as it is. */
    static String time(LocalTime t) {
        return t.equals(LocalTime.MAX) ? "24:00:00" : TIME.format(t);
    }

    /** PostgreSQL's {@code 24:00:00+hh} arrives as {@link LocalTime#MAX} at that offset: its text keeps the 24:00:00. */
    static String timetz(OffsetTime t) {
        return t.toLocalTime().equals(LocalTime.MAX) ? "24:00:00.000000" + t.getOffset().getId().replace("Z", "+00:00")
                : TIMETZ.format(t);
    }

    /**
     * A duration as MySQL time text: sign, hours (beyond 24 where needed), minutes, seconds and six digits, e.g.
     * {@code -838:59:59.999999}. A value beyond MySQL's range is refused by the column, not clipped (strict mode).
     */
    static String duration(Duration d) {
        long micros = d.getSeconds() * 1_000_000L + d.getNano() / 1_000;
        StringBuilder sb = new StringBuilder(20);
        if (micros < 0) {
            sb.append('-');
            micros = -micros;
        }
        long seconds = micros / 1_000_000;
        sb.append(String.format(java.util.Locale.ROOT, "%02d:%02d:%02d.%06d", seconds / 3600, seconds / 60 % 60,
                seconds % 60, micros % 1_000_000));
        return sb.toString();
    }

    private static float finite(Float f, Column type) throws SQLDataException {
        if (f.isNaN() || f.isInfinite()) {
            throw cannotHold(f, type);
        }
        return f;
    }

    private static double finite(Double d, Column type) throws SQLDataException {
        if (d.isNaN() || d.isInfinite()) {
            throw cannotHold(d, type);
        }
        return d;
    }

    private static LocalDate inRange(LocalDate d, Column type) throws SQLDataException {
        if (d.getYear() < 1 || d.getYear() > 9999) {
            throw cannotHold(d, type);
        }
        return d;
    }

    private static LocalDateTime inRange(LocalDateTime t, Column type) throws SQLDataException {
        inRange(t.toLocalDate(), type);
        return t;
    }

    private static LocalDateTime utc(Instant i, Column type) throws SQLDataException {
        if (i.isBefore(Instant.parse("0001-01-01T00:00:00Z")) || i.isAfter(Instant.parse("9999-12-31T23:59:59.999999Z"))) {
            throw cannotHold(i, type);
        }
        return LocalDateTime.ofInstant(i, ZoneOffset.UTC);
    }

    /** A JSON array has no lower bounds: an array whose bounds are not 1 is refused, never stored without them. */
    private static List<?> withoutBounds(Object value, Column column) throws SQLDataException {
        BoundedArray bounded = BoundedArray.find(value);
        if (bounded != null) {
            throw new SQLDataException("column \"" + column.name() + "\": MySQL has no array type to keep the lower"
                    + " bounds of the ARRAY value " + bounded + " (source type " + column.type().sourceName() + ")",
                    "22003");
        }
        return (List<?>) value;
    }

    private static SQLDataException cannotHold(Object value, Column column) {
        ColumnType type = column.type();
        return new SQLDataException("column \"" + column.name() + "\": MySQL cannot store the " + type.kind() + " value "
                + value + " (source type " + type.sourceName() + ") in its column type", "22003");
    }
}
