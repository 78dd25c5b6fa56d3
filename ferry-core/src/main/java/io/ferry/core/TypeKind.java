package io.ferry.core;

/**
 * The portable meaning of a column type, which fixes the Java class of its values in a {@link ChangeEvent}.
 *
 * <p>Values are exact: no kind loses precision, time zone or sub-second digits.
 */
public enum TypeKind {
    /** {@link Short}. */
    INT16,
    /** {@link Integer}. */
    INT32,
    /** {@link Long}. */
    INT64,
    /** {@link java.math.BigDecimal}, or the {@link String} {@code NaN}, {@code Infinity}, {@code -Infinity}. */
    DECIMAL,
    /** {@link Float}. */
    FLOAT32,
    /** {@link Double}. */
    FLOAT64,
    /** {@link Boolean}. */
    BOOLEAN,
    /** {@link String}. */
    TEXT,
    /** {@code byte[]}. */
    BYTES,
    /** {@link java.time.LocalDate}. */
    DATE,
    /** {@link java.time.LocalTime}, microseconds. */
    TIME,
    /**
     * {@link java.time.Duration}, microseconds, signed and not bounded by a day: MySQL/MariaDB {@code TIME},
     * which holds durations from -838:59:59.999999 to 838:59:59.999999 as well as times of day.
     */
    DURATION,
    /** {@link java.time.OffsetTime}, microseconds. */
    TIMETZ,
    /** {@link java.time.LocalDateTime}, microseconds. */
    TIMESTAMP,
    /** {@link java.time.Instant}, microseconds. */
    TIMESTAMPTZ,
    /** {@link String} in ISO-8601 duration form with separate years, months, days and seconds, e.g. {@code P1Y2M3DT4H5M6.000007S}. */
    INTERVAL,
    /** {@link java.util.UUID}. */
    UUID,
    /** {@link String} holding the JSON document text. */
    JSON,
    /** {@link String}, the label. */
    ENUM,
    /**
     * {@link java.util.List} of the element kind's values (nulls allowed, nested lists for multi-dimensional arrays);
     * a {@link BoundedArray} when a PostgreSQL array's lower bounds are not all 1.
     */
    ARRAY,
    /** {@link String}: the source's text form; the type name travels in the schema. */
    UNKNOWN
}
