package io.ferry.mysql;

import com.github.shyiko.mysql.binlog.event.TableMapEventData;
import com.github.shyiko.mysql.binlog.event.TableMapEventMetadata;
import com.github.shyiko.mysql.binlog.event.deserialization.ColumnType;
import java.util.List;
import java.util.function.IntFunction;

/**
 * A column's definition read from a TABLE_MAP event ({@code binlog_row_metadata=FULL}) alone, for a column the
 * catalog no longer has: dropped after this binlog position while capture was down. Type, length, precision,
 * signedness, charset and enum/set labels come from the event, so its rows decode as they were written.
 */
final class LoggedColumn {

    private static final int BINARY_COLLATION = 63;

    private LoggedColumn() {
    }

    /**
     * Column {@code index} of the event, or {@code null} for a type the event alone cannot describe.
     *
     * @param charsetOfCollation the character set name of a collation id (from the server's catalog)
     * @param mariaDb            MariaDB lists a charset (binary) for geometry columns too; MySQL does not
     */
    static MySqlColumn of(TableMapEventData d, int index, IntFunction<String> charsetOfCollation, boolean mariaDb) {
        TableMapEventMetadata m = d.getEventMetadata();
        String name = m.getColumnNames().get(index);
        boolean nullable = d.getColumnNullability() != null && d.getColumnNullability().get(index);
        int meta = d.getColumnMetadata()[index];
        ColumnType type = ColumnType.byCode(d.getColumnTypes()[index] & 0xFF);
        if (type == null) {
            return null;
        }
        // The library maps the event's signedness bits (one per numeric column) onto column indexes.
        String unsigned = m.getSignedness() != null && m.getSignedness().get(index) ? " unsigned" : "";
        String charset = null;
        String dataType;
        String columnType;
        switch (type) {
            case TINY -> dataType = "tinyint";
            case SHORT -> dataType = "smallint";
            case INT24 -> dataType = "mediumint";
            case LONG -> dataType = "int";
            case LONGLONG -> dataType = "bigint";
            case FLOAT -> dataType = "float";
            case DOUBLE -> dataType = "double";
            case YEAR -> dataType = "year";
            case DATE -> dataType = "date";
            case JSON -> dataType = "json";
            case VECTOR -> dataType = "vector";
            default -> dataType = null;
        }
        if (dataType != null) {
            columnType = dataType + (type == ColumnType.FLOAT || type == ColumnType.DOUBLE || isInteger(type)
                    ? unsigned : "");
            return new MySqlColumn(name, dataType, columnType, null, nullable, type == ColumnType.JSON);
        }
        switch (type) {
            case NEWDECIMAL -> {
                dataType = "decimal";
                // The library keeps the precision in the low byte and the scale in the high one.
                columnType = "decimal(" + (meta & 0xFF) + "," + (meta >> 8) + ")" + unsigned;
            }
            case BIT -> {
                dataType = "bit";
                columnType = "bit(" + ((meta >> 8) * 8 + (meta & 0xFF)) + ")";
            }
            case TIME_V2, DATETIME_V2, TIMESTAMP_V2 -> {
                dataType = type == ColumnType.TIME_V2 ? "time" : type == ColumnType.DATETIME_V2 ? "datetime" : "timestamp";
                columnType = dataType + (meta > 0 ? "(" + meta + ")" : "");
            }
            case VARCHAR, VAR_STRING -> {
                charset = charsetOf(m, characterIndex(d, index, mariaDb), charsetOfCollation);
                dataType = charset == null ? "varbinary" : "varchar";
                columnType = dataType;
            }
            case BLOB -> {
                charset = charsetOf(m, characterIndex(d, index, mariaDb), charsetOfCollation);
                dataType = charset == null ? "longblob" : "longtext";
                columnType = dataType;
            }
            case STRING -> {
                // MySQL packs the real type (char, enum, set) and the length's high bits into the first byte.
                int first = meta >> 8;
                int realType = first | 0x30;
                int length = (meta & 0xFF) | (((first & 0x30) ^ 0x30) << 4);
                if (realType == ColumnType.ENUM.getCode() || realType == ColumnType.SET.getCode()) {
                    boolean isEnum = realType == ColumnType.ENUM.getCode();
                    List<String[]> all = isEnum ? m.getEnumStrValues() : m.getSetStrValues();
                    int nth = labelIndex(d, index, realType);
                    if (all == null || nth >= all.size()) {
                        return null;
                    }
                    dataType = isEnum ? "enum" : "set";
                    columnType = dataType + labels(all.get(nth));
                } else {
                    charset = charsetOf(m, characterIndex(d, index, mariaDb), charsetOfCollation);
                    dataType = charset == null ? "binary" : "char";
                    columnType = charset == null ? "binary(" + length + ")" : "char";
                }
            }
            default -> {
                return null;
            }
        }
        return new MySqlColumn(name, dataType, columnType, charset, nullable, false);
    }

    private static boolean isInteger(ColumnType t) {
        return t == ColumnType.TINY || t == ColumnType.SHORT || t == ColumnType.INT24 || t == ColumnType.LONG
                || t == ColumnType.LONGLONG;
    }

    /**
     * Charset entries count character columns only: char, varchar and blob/text, not enum or set; on MariaDB
     * also geometry.
     */
    private static int characterIndex(TableMapEventData d, int index, boolean mariaDb) {
        int n = 0;
        for (int i = 0; i < index; i++) {
            ColumnType t = ColumnType.byCode(d.getColumnTypes()[i] & 0xFF);
            if (t == ColumnType.VARCHAR || t == ColumnType.VAR_STRING || t == ColumnType.BLOB
                    || t == ColumnType.STRING && !isEnumOrSet(d.getColumnMetadata()[i])
                    || mariaDb && t == ColumnType.GEOMETRY) {
                n++;
            }
        }
        return n;
    }

    /** Enum (or set) labels are listed per enum (or set) column. */
    private static int labelIndex(TableMapEventData d, int index, int realType) {
        int n = 0;
        for (int i = 0; i < index; i++) {
            if ((d.getColumnTypes()[i] & 0xFF) == ColumnType.STRING.getCode()
                    && ((d.getColumnMetadata()[i] >> 8) | 0x30) == realType) {
                n++;
            }
        }
        return n;
    }

    private static boolean isEnumOrSet(int meta) {
        int realType = (meta >> 8) | 0x30;
        return realType == ColumnType.ENUM.getCode() || realType == ColumnType.SET.getCode();
    }

    /** The character set of the {@code nth} character column, or {@code null} for binary data. */
    private static String charsetOf(TableMapEventMetadata m, int nth, IntFunction<String> charsetOfCollation) {
        Integer collation = null;
        if (m.getColumnCharsets() != null && nth < m.getColumnCharsets().size()) {
            collation = m.getColumnCharsets().get(nth);
        } else if (m.getDefaultCharset() != null) {
            TableMapEventMetadata.DefaultCharset c = m.getDefaultCharset();
            collation = c.getCharsetCollations() != null && c.getCharsetCollations().containsKey(nth)
                    ? c.getCharsetCollations().get(nth) : c.getDefaultCharsetCollation();
        }
        if (collation == null) {
            return "utf8mb4";
        }
        return collation == BINARY_COLLATION ? null : charsetOfCollation.apply(collation);
    }

    private static String labels(String[] values) {
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < values.length; i++) {
            s.append(i == 0 ? "'" : ",'").append(values[i].replace("'", "''")).append('\'');
        }
        return s.append(')').toString();
    }
}
