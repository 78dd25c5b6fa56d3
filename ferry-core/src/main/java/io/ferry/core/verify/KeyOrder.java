package io.ferry.core.verify;

import io.ferry.core.Column;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import java.math.BigDecimal;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.Set;

/**
 * The key order every {@link RowSource} must follow, as a Java comparator: the one order PostgreSQL and MySQL
 * can both produce. Integers, decimals, booleans, dates, times and timestamps order by value; text, enum labels
 * and UUIDs (in their lowercase text form) order by Unicode code point, which is byte order of UTF-8 (PostgreSQL
 * {@code COLLATE "C"}, MySQL {@code CAST(col AS BINARY)}). Other key kinds (floats, bytes, JSON, arrays,
 * intervals, times with offset, unknown types) are not supported.
 */
public final class KeyOrder {

    private static final Set<TypeKind> SUPPORTED = EnumSet.of(TypeKind.INT16, TypeKind.INT32, TypeKind.INT64,
            TypeKind.DECIMAL, TypeKind.BOOLEAN, TypeKind.DATE, TypeKind.TIME, TypeKind.TIMESTAMP,
            TypeKind.TIMESTAMPTZ, TypeKind.TEXT, TypeKind.ENUM, TypeKind.UUID);

    private KeyOrder() {
    }

    /** Whether keys of this kind can be ordered the same way on every database. */
    public static boolean supported(TypeKind kind) {
        return SUPPORTED.contains(kind);
    }

    /** Whether the kind orders as text (code points), so a reader must compare it as binary text. */
    public static boolean textual(TypeKind kind) {
        return kind == TypeKind.TEXT || kind == TypeKind.ENUM || kind == TypeKind.UUID;
    }

    /** Null when every key column of the table has a supported kind, else why not. */
    public static String unsupportedReason(TableSchema schema) {
        if (schema.primaryKey().isEmpty()) {
            return "the table has no primary key";
        }
        for (int k : schema.keyIndexes()) {
            Column c = schema.columns().get(k);
            if (!supported(c.type().kind())) {
                return "key column \"" + c.name() + "\" is of kind " + c.type().kind() + " ("
                        + c.type().sourceName() + "), which databases do not order alike";
            }
        }
        return null;
    }

    /** Compares key arrays of the table's key columns, in key order. */
    public static Comparator<Object[]> of(TableSchema schema) {
        int[] idx = schema.keyIndexes();
        TypeKind[] kinds = new TypeKind[idx.length];
        for (int i = 0; i < idx.length; i++) {
            kinds[i] = schema.columns().get(idx[i]).type().kind();
        }
        return (a, b) -> {
            for (int i = 0; i < kinds.length; i++) {
                int c = compare(kinds[i], a[i], b[i]);
                if (c != 0) {
                    return c;
                }
            }
            return 0;
        };
    }

    /** One key value against another of the same kind; nulls (not expected in keys) sort last. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static int compare(TypeKind kind, Object a, Object b) {
        if (a == null || b == null) {
            return a == null ? (b == null ? 0 : 1) : -1;
        }
        switch (kind) {
            case INT16, INT32, INT64:
                return Long.compare(((Number) a).longValue(), ((Number) b).longValue());
            case DECIMAL:
                // PostgreSQL sorts NaN above every number; the other special values are not expected in keys.
                if (!(a instanceof BigDecimal) || !(b instanceof BigDecimal)) {
                    return a instanceof BigDecimal ? -1 : b instanceof BigDecimal ? 1 : 0;
                }
                return ((BigDecimal) a).compareTo((BigDecimal) b);
            case TEXT, ENUM, UUID:
                return compareCodePoints(a.toString(), b.toString());
            default:
                return ((Comparable) a).compareTo(b);
        }
    }

    /** Unicode code point order, which is UTF-8 byte order (String.compareTo differs above U+FFFF). */
    public static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}
