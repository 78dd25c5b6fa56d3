package io.ferry.postgres.sink;

import io.ferry.core.ColumnType;
import io.ferry.core.TypeKind;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The PostgreSQL type a target column gets for a source {@link ColumnType}. A source type name that is a
 * built-in PostgreSQL spelling of the column's kind is used verbatim (so {@code numeric(38,10)} or
 * {@code character varying(20)} keep their modifiers); anything else (another database's type name, an enum
 * or an unknown type that may not exist in the target) gets the kind's portable type. docs/types.md is the
 * table of this mapping.
 */
final class TypeMapping {

    private static final String P = "(\\(\\d+\\))?";
    private static final Map<TypeKind, Pattern> VERBATIM = new EnumMap<>(TypeKind.class);
    private static final Map<TypeKind, String> PORTABLE = new EnumMap<>(TypeKind.class);

    static {
        verbatim(TypeKind.INT16, "smallint|int2", "smallint");
        verbatim(TypeKind.INT32, "integer|int|int4", "integer");
        verbatim(TypeKind.INT64, "bigint|int8", "bigint");
        verbatim(TypeKind.DECIMAL, "(numeric|decimal)(\\(\\d+(,\\s*-?\\d+)?\\))?", "numeric");
        verbatim(TypeKind.FLOAT32, "real|float4", "real");
        verbatim(TypeKind.FLOAT64, "double precision|float8", "double precision");
        verbatim(TypeKind.BOOLEAN, "boolean|bool", "boolean");
        // Not bare char(n): PostgreSQL sources spell it character(n), so char(n) is MySQL's, whose values have
        // no trailing spaces; a PostgreSQL character(n) would pad them. See MYSQL_CHAR.
        verbatim(TypeKind.TEXT, "text|(character varying|varchar|character|bpchar)" + P, "text");
        verbatim(TypeKind.BYTES, "bytea", "bytea");
        verbatim(TypeKind.DATE, "date", "date");
        verbatim(TypeKind.TIME, "time" + P + "( without time zone)?", "time");
        verbatim(TypeKind.TIMETZ, "time" + P + " with time zone|timetz" + P, "time with time zone");
        verbatim(TypeKind.TIMESTAMP, "timestamp" + P + "( without time zone)?", "timestamp");
        verbatim(TypeKind.TIMESTAMPTZ, "timestamp" + P + " with time zone|timestamptz" + P, "timestamp with time zone");
        verbatim(TypeKind.INTERVAL, "interval( (year|month|day|hour|minute|second)( to (month|hour|minute|second))?)?" + P,
                "interval");
        verbatim(TypeKind.UUID, "uuid", "uuid");
        verbatim(TypeKind.JSON, "json|jsonb", "json");
        // A duration (MySQL time) has no PostgreSQL time type that holds it: interval holds it exactly.
        PORTABLE.put(TypeKind.DURATION, "interval");
        PORTABLE.put(TypeKind.ENUM, "text");
        PORTABLE.put(TypeKind.UNKNOWN, "text");
    }

    private TypeMapping() {
    }

    private static void verbatim(TypeKind kind, String regex, String portable) {
        VERBATIM.put(kind, Pattern.compile(regex));
        PORTABLE.put(kind, portable);
    }

    /** MySQL's {@code char(n)}, which strips trailing spaces, becomes {@code varchar(n)}: the exact value. */
    private static final Pattern MYSQL_CHAR = Pattern.compile("char(\\(\\d+\\))");

    /** The target column type for {@code type}. */
    static String targetType(ColumnType type) {
        if (type.kind() == TypeKind.ARRAY) {
            ColumnType element = type.element();
            while (element.kind() == TypeKind.ARRAY) {
                element = element.element();
            }
            return targetType(element) + "[]";
        }
        Pattern verbatim = VERBATIM.get(type.kind());
        String name = type.sourceName().trim();
        if (verbatim != null && verbatim.matcher(name.toLowerCase(Locale.ROOT)).matches()) {
            return name;
        }
        java.util.regex.Matcher mysqlChar = MYSQL_CHAR.matcher(name.toLowerCase(Locale.ROOT));
        if (type.kind() == TypeKind.TEXT && mysqlChar.matches()) {
            return "varchar" + mysqlChar.group(1);
        }
        return PORTABLE.get(type.kind());
    }
}
