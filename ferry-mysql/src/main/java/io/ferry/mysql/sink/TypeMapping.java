package io.ferry.mysql.sink;

import io.ferry.core.ColumnType;
import io.ferry.core.TypeKind;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The MySQL type a target column gets for a source {@link ColumnType}. A source type name that is a MySQL
 * spelling of a type that holds every value of the column's kind is used verbatim (so MySQL to MySQL keeps
 * {@code decimal(65,30)}, {@code bigint unsigned}, {@code enum('a','b')}, {@code datetime(3)}); a few
 * PostgreSQL spellings are translated; anything else gets the kind's portable type. Values MySQL has no type
 * for (unbounded or NaN numerics, times with a zone, intervals, arrays) land as text or JSON. docs/types.md is
 * the table of this mapping.
 */
final class TypeMapping {

    /** A longer text key is refused by the target ("data too long"), never cut. */
    static final String TEXT_KEY = "varchar(255)";
    static final String BYTES_KEY = "varbinary(255)";

    private static final String INTEGER = "(tinyint|smallint|mediumint|int|integer|bigint)(\\(\\d+\\))?( unsigned)?( zerofill)?";
    private static final Pattern DECIMAL = Pattern.compile("(decimal|numeric)\\((\\d+)(,\\s*(\\d+))?\\)( unsigned)?( zerofill)?");
    private static final Pattern PG_VARCHAR = Pattern.compile("(character varying|character|bpchar)\\((\\d+)\\)");
    private static final Set<String> TEXT_TYPES = Set.of("tinytext", "text", "mediumtext", "longtext", "json");
    private static final Set<String> BLOB_TYPES = Set.of("tinyblob", "blob", "mediumblob", "longblob");
    /** The longest varchar a utf8mb4 column can declare. */
    private static final int MAX_VARCHAR = 16383;
    private static final Map<TypeKind, Pattern> VERBATIM = new EnumMap<>(TypeKind.class);
    private static final Map<TypeKind, String> PORTABLE = new EnumMap<>(TypeKind.class);

    static {
        verbatim(TypeKind.INT16, INTEGER + "|year(\\(4\\))?", "smallint");
        verbatim(TypeKind.INT32, INTEGER, "int");
        verbatim(TypeKind.INT64, INTEGER, "bigint");
        verbatim(TypeKind.DECIMAL, "bigint(\\(\\d+\\))? unsigned( zerofill)?", "longtext");
        verbatim(TypeKind.FLOAT32, "float(\\(\\d+(,\\d+)?\\))?( unsigned)?( zerofill)?", "float");
        verbatim(TypeKind.FLOAT64, "(double|double precision)(\\(\\d+,\\d+\\))?( unsigned)?( zerofill)?", "double");
        verbatim(TypeKind.BOOLEAN, "boolean|bool|tinyint\\(1\\)", "boolean");
        // PostgreSQL spells its unbounded text "text", which in MySQL holds only 64 KB: text becomes longtext.
        verbatim(TypeKind.TEXT, "(char|varchar)\\(\\d+\\)|tinytext|mediumtext|longtext|set\\(.*\\)", "longtext");
        verbatim(TypeKind.BYTES, "(binary|varbinary|bit)\\(\\d+\\)|tinyblob|blob|mediumblob|longblob", "longblob");
        verbatim(TypeKind.DATE, "date", "date");
        verbatim(TypeKind.TIME, "time(\\(\\d\\))?", "time(6)");
        // A MySQL time holds durations from -838:59:59.999999 to 838:59:59.999999.
        verbatim(TypeKind.DURATION, "time(\\(\\d\\))?", "time(6)");
        verbatim(TypeKind.TIMESTAMP, "datetime(\\(\\d\\))?", "datetime(6)");
        // A MySQL timestamp's values are within its 1970-2038 range; any other source's are not, so they get
        // datetime(6) holding UTC.
        verbatim(TypeKind.TIMESTAMPTZ, "timestamp(\\(\\d\\))?", "datetime(6)");
        verbatim(TypeKind.ENUM, "enum\\(.*\\)", "longtext");
        PORTABLE.put(TypeKind.TIMETZ, "varchar(40)");
        PORTABLE.put(TypeKind.INTERVAL, "varchar(100)");
        PORTABLE.put(TypeKind.UUID, "char(36)");
        PORTABLE.put(TypeKind.JSON, "json");
        PORTABLE.put(TypeKind.ARRAY, "json");
        PORTABLE.put(TypeKind.UNKNOWN, "longtext");
    }

    private TypeMapping() {
    }

    private static void verbatim(TypeKind kind, String regex, String portable) {
        VERBATIM.put(kind, Pattern.compile(regex, Pattern.DOTALL));
        PORTABLE.put(kind, portable);
    }

    /** The target column type for {@code type}; a key column gets a type InnoDB can index in full. */
    static String targetType(ColumnType type, boolean key) {
        String mapped = targetType(type);
        if (key && TEXT_TYPES.contains(mapped)) {
            return TEXT_KEY;
        }
        if (key && BLOB_TYPES.contains(mapped)) {
            return BYTES_KEY;
        }
        return mapped;
    }

    static String targetType(ColumnType type) {
        String name = type.sourceName().trim();
        String lower = name.toLowerCase(Locale.ROOT);
        if (type.kind() == TypeKind.DECIMAL) {
            Matcher m = DECIMAL.matcher(lower);
            if (m.matches() && fitsMySqlDecimal(m)) {
                return name;
            }
        }
        if (type.kind() == TypeKind.TEXT) {
            Matcher m = PG_VARCHAR.matcher(lower);
            if (m.matches() && Integer.parseInt(m.group(2)) <= MAX_VARCHAR) {
                // Not char(n): MySQL strips a char's trailing spaces on read, PostgreSQL keeps its padding.
                return "varchar(" + m.group(2) + ")";
            }
        }
        Pattern verbatim = VERBATIM.get(type.kind());
        if (verbatim != null && verbatim.matcher(lower).matches()) {
            return name;
        }
        return PORTABLE.get(type.kind());
    }

    private static boolean fitsMySqlDecimal(Matcher m) {
        int precision = Integer.parseInt(m.group(2));
        int scale = m.group(4) == null ? 0 : Integer.parseInt(m.group(4));
        return precision >= 1 && precision <= 65 && scale <= 30 && scale <= precision;
    }
}
