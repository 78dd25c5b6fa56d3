package io.ferry.clickhouse;

import io.ferry.core.ColumnType;
import io.ferry.core.TypeKind;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ClickHouse column type of each Ferry {@link TypeKind}, chosen so that every value of the kind is stored
 * exactly or refused (never rounded, cut or shifted): native types where ClickHouse has one that holds the kind's
 * values, otherwise {@code String} in a form that reads back exactly and, for times, sorts like the values. See
 * docs/types.md.
 */
final class ClickHouseTypes {

    /** ClickHouse's widest {@code Decimal}: {@code Decimal128}. */
    static final int MAX_DECIMAL_PRECISION = 38;

    private static final Pattern MODIFIERS = Pattern.compile("\\(\\s*(\\d+)\\s*(?:,\\s*(\\d+)\\s*)?\\)");

    private ClickHouseTypes() {
    }

    /** The column's type without {@code Nullable}. */
    static String of(ColumnType type, ServerVersion server) {
        return switch (type.kind()) {
            case INT16 -> "Int16";
            case INT32 -> "Int32";
            case INT64 -> "Int64";
            case DECIMAL -> decimal(type);
            case FLOAT32 -> "Float32";
            case FLOAT64 -> "Float64";
            // ClickHouse's Bool arrived in 22.3 and is a UInt8 underneath; UInt8 reads the same on every server.
            case BOOLEAN -> "UInt8";
            case UUID -> "UUID";
            case DATE -> server.hasDate32() ? "Date32" : "Date";
            // Signed microseconds: MySQL's time holds durations beyond a day and below zero.
            case DURATION -> "Int64";
            case TIMESTAMP -> server.hasDateTime64() ? "DateTime64(6)" : "String";
            case TIMESTAMPTZ -> server.hasDateTime64() ? "DateTime64(6, 'UTC')" : "String";
            // Text, bytes (a ClickHouse String is bytes), JSON documents as written, times of day, intervals,
            // enum labels, unknown types' text, and arrays as JSON (an Array cannot be Nullable, so NULL and an
            // empty array would be one value).
            case TEXT, BYTES, JSON, ENUM, UNKNOWN, INTERVAL, TIME, TIMETZ, ARRAY -> "String";
        };
    }

    /** {@code Decimal(p,s)} when the source names a precision ClickHouse holds, else exact digits in a String. */
    private static String decimal(ColumnType type) {
        int[] ps = precisionScale(type);
        return ps == null ? "String" : "Decimal(" + ps[0] + ", " + ps[1] + ")";
    }

    /** Precision and scale of a bounded decimal ClickHouse can hold; null when it is unbounded or too wide. */
    static int[] precisionScale(ColumnType type) {
        if (type.kind() != TypeKind.DECIMAL) {
            return null;
        }
        String name = type.sourceName().toLowerCase(Locale.ROOT).trim();
        if (name.startsWith("bigint")) {
            return new int[] {20, 0}; // MySQL bigint unsigned
        }
        Matcher m = MODIFIERS.matcher(name);
        if (!m.find() || !(name.startsWith("numeric") || name.startsWith("decimal"))) {
            return null;
        }
        int p = Integer.parseInt(m.group(1));
        int s = m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
        return p >= 1 && p <= MAX_DECIMAL_PRECISION && s <= p ? new int[] {p, s} : null;
    }

    /** The column type the sink creates: key columns as they are, the others {@code Nullable}. */
    static String column(ColumnType type, ServerVersion server, boolean key) {
        String t = of(type, server);
        return key ? t : "Nullable(" + t + ")";
    }
}
