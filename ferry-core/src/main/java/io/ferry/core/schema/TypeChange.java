package io.ferry.core.schema;

import io.ferry.core.ColumnType;
import io.ferry.core.TypeKind;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a column's type changed: {@link #WIDENING} when every value of the old type is exactly a value of the new
 * one (varchar(50) to varchar(200), int to bigint, numeric(10,2) to numeric(12,4), float to double, anything to
 * unbounded text, an enum gaining labels), {@link #NARROWING} when it is the other way round, else
 * {@link #INCOMPATIBLE}.
 */
public enum TypeChange {
    WIDENING, NARROWING, INCOMPATIBLE;

    private static final List<TypeKind> INTEGERS = List.of(TypeKind.INT16, TypeKind.INT32, TypeKind.INT64);
    private static final Pattern MODIFIERS = Pattern.compile("\\(\\s*(\\d+)\\s*(?:,\\s*(-?\\d+)\\s*)?\\)");
    private static final Pattern LABEL = Pattern.compile("'((?:[^']|'')*)'");
    private static final Pattern UNBOUNDED_TEXT = Pattern.compile(
            "text|tinytext|mediumtext|longtext|character varying|varchar|citext|string");

    public static TypeChange of(ColumnType from, ColumnType to) {
        if (covers(to, from)) {
            return WIDENING;
        }
        if (covers(from, to)) {
            return NARROWING;
        }
        return INCOMPATIBLE;
    }

    /** Whether every value of {@code narrow} is exactly a value of {@code wide}. */
    static boolean covers(ColumnType wide, ColumnType narrow) {
        if (wide.equals(narrow)) {
            return true;
        }
        int[] w = modifiers(wide);
        int[] n = modifiers(narrow);
        if (wide.kind() == TypeKind.TEXT && w == null && UNBOUNDED_TEXT.matcher(baseName(wide)).matches()
                && narrow.kind() != TypeKind.BYTES && narrow.kind() != TypeKind.ARRAY) {
            return true;
        }
        return switch (wide.kind()) {
            // Unsigned integers already have the kind of the next wider signed type (int unsigned is INT64).
            case INT16, INT32, INT64 -> INTEGERS.contains(narrow.kind())
                    && INTEGERS.indexOf(narrow.kind()) <= INTEGERS.indexOf(wide.kind());
            case DECIMAL -> {
                if (INTEGERS.contains(narrow.kind())) {
                    int digits = narrow.kind() == TypeKind.INT16 ? 5 : narrow.kind() == TypeKind.INT32 ? 10 : 20;
                    yield w == null || w[0] - w[1] >= digits;
                }
                if (narrow.kind() != TypeKind.DECIMAL) {
                    yield false;
                }
                if (w == null) {
                    yield true;
                }
                yield n != null && w[1] >= n[1] && w[0] - w[1] >= n[0] - n[1];
            }
            case FLOAT64 -> narrow.kind() == TypeKind.FLOAT32 || narrow.kind() == TypeKind.FLOAT64;
            case TEXT, BYTES -> narrow.kind() == wide.kind() && (w == null || n != null && w[0] >= n[0])
                    && sameFamily(wide, narrow);
            case TIME, TIMETZ, TIMESTAMP, TIMESTAMPTZ, DURATION -> narrow.kind() == wide.kind()
                    && (w == null || n != null && w[0] >= n[0]);
            // An enum gaining labels (MySQL spells them in the type) widens; PostgreSQL's ADD VALUE keeps the name.
            case ENUM -> narrow.kind() == TypeKind.ENUM && labels(wide).containsAll(labels(narrow));
            default -> false;
        };
    }

    /** Fixed-width char(n) pads; varchar(m) does not: char to varchar widens, varchar to char does not. */
    private static boolean sameFamily(ColumnType wide, ColumnType narrow) {
        boolean wideFixed = fixedWidth(wide);
        return !wideFixed || fixedWidth(narrow);
    }

    private static boolean fixedWidth(ColumnType t) {
        String base = baseName(t);
        return base.equals("character") || base.equals("char") || base.equals("bpchar") || base.equals("binary");
    }

    private static String baseName(ColumnType t) {
        String name = t.sourceName().toLowerCase(Locale.ROOT).trim();
        int paren = name.indexOf('(');
        return (paren < 0 ? name : name.substring(0, paren)).trim();
    }

    /** The quoted labels of {@code enum('a','b')}, or the type's name when it spells none. */
    private static List<String> labels(ColumnType t) {
        Matcher m = LABEL.matcher(t.sourceName());
        List<String> out = new java.util.ArrayList<>();
        while (m.find()) {
            out.add(m.group(1).replace("''", "'"));
        }
        return out.isEmpty() ? List.of(t.sourceName()) : out;
    }

    /** Length or precision and scale, from the type name's parentheses; null when it has none. */
    private static int[] modifiers(ColumnType t) {
        Matcher m = MODIFIERS.matcher(t.sourceName());
        if (!m.find()) {
            return null;
        }
        return new int[] {Integer.parseInt(m.group(1)), m.group(2) == null ? 0 : Integer.parseInt(m.group(2))};
    }
}
