package io.ferry.mysql;

import io.ferry.core.ColumnType;
import io.ferry.core.FerryException;
import io.ferry.core.TypeKind;
import java.io.IOException;
import java.io.Serializable;
import java.math.BigDecimal;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * One column as the catalog describes it, and how its values become {@link TypeKind} values, from a snapshot
 * row (text or binary protocol) and from a binlog row image, so both give the same Java value for the same row.
 *
 * <p>Mapping: tinyint → INT16; smallint → INT16 (unsigned INT32); mediumint → INT32; int → INT32 (unsigned
 * INT64); bigint → INT64 (unsigned DECIMAL, exact); decimal → DECIMAL; float → FLOAT32; double → FLOAT64;
 * bit(n) → BYTES, big-endian, ceil(n/8) bytes; char/varchar/text → TEXT; binary/varbinary/blob → BYTES;
 * date → DATE; time → DURATION (signed, up to ±838:59:59.999999); datetime → TIMESTAMP; timestamp → TIMESTAMPTZ (UTC); year → INT16; json (and a
 * MariaDB longtext with {@code CHECK (json_valid(col))}) → JSON; enum → ENUM label; set → TEXT, the labels
 * comma-separated as MySQL writes them; geometry → BYTES (SRID + WKB); MariaDB's uuid → UUID and inet4/inet6 → TEXT
 * (the text the server prints, also for a binlog row, whose image holds their bytes: {@link MariaDbText}); vector
 * (MariaDB 11.7+, MySQL 9+) → BYTES, the stored little-endian float32s, which both reads give. Zero dates ({@code 0000-00-00}, and any
 * date with a zero month or day) are null, so date columns are published nullable ({@link TableDef}). A {@code time} is a
 * duration, not a time of day: snapshots read the server's text for it ({@link #selectExpression}), never the
 * driver's time conversion, which refuses negative values and values over 24 hours.
 */
final class MySqlColumn {

    final String name;
    final String dataType;
    final String columnType;
    final boolean nullable;
    final boolean unsigned;
    final TypeKind kind;
    final Charset charset;
    final List<String> labels;
    final int binaryLength;

    MySqlColumn(String name, String dataType, String columnType, String charsetName, boolean nullable, boolean json) {
        this.name = name;
        this.dataType = dataType.toLowerCase(Locale.ROOT);
        this.columnType = columnType;
        this.nullable = nullable;
        this.unsigned = columnType.toLowerCase(Locale.ROOT).contains("unsigned");
        this.kind = json ? TypeKind.JSON : kindOf(this.dataType, unsigned);
        this.charset = charsetOf(charsetName);
        this.labels = this.dataType.equals("enum") || this.dataType.equals("set") ? labelsOf(columnType) : List.of();
        this.binaryLength = this.dataType.equals("binary") ? lengthOf(columnType) : 0;
    }

    private MySqlColumn(MySqlColumn c, boolean nullable) {
        this.name = c.name;
        this.dataType = c.dataType;
        this.columnType = c.columnType;
        this.nullable = nullable;
        this.unsigned = c.unsigned;
        this.kind = c.kind;
        this.charset = c.charset;
        this.labels = c.labels;
        this.binaryLength = c.binaryLength;
    }

    /**
     * A column as an earlier published schema describes it ({@code sourceName} is the catalog's COLUMN_TYPE then),
     * with the charset the binlog gives for it now; null when {@code logged} is unknown.
     */
    static MySqlColumn published(io.ferry.core.Column c, MySqlColumn logged) {
        if (logged == null) {
            return null;
        }
        String type = c.type().sourceName();
        String dataType = type.split("[( ]", 2)[0];
        MySqlColumn m = new MySqlColumn(c.name(), dataType, type, null, c.nullable(), c.type().kind() == TypeKind.JSON);
        return new MySqlColumn(m, logged.charset);
    }

    private MySqlColumn(MySqlColumn c, Charset charset) {
        this.name = c.name;
        this.dataType = c.dataType;
        this.columnType = c.columnType;
        this.nullable = c.nullable;
        this.unsigned = c.unsigned;
        this.kind = c.kind;
        this.charset = charset;
        this.labels = c.labels;
        this.binaryLength = c.binaryLength;
    }

    MySqlColumn withNullable(boolean value) {
        return value == nullable ? this : new MySqlColumn(this, value);
    }

    /**
     * Whether rows the binlog wrote for {@code logged} (this column's TABLE_MAP description, null where the
     * event alone cannot describe the type) decode with this definition: the same binlog type and, where the
     * event says, the same precision, signedness, charset or labels. A char/varchar/text length is not checked:
     * it does not change how a value decodes.
     */
    boolean decodesLike(MySqlColumn logged, int binlogType) {
        if (binlogType(binlogType) != binlogTypeOf(this)) {
            return false;
        }
        if (logged == null) {
            return true;
        }
        return switch (logged.dataType) {
            case "decimal", "bit", "time", "datetime", "timestamp" -> bare(columnType).equals(bare(logged.columnType));
            case "enum", "set" -> dataType.equals(logged.dataType) && labels.equals(logged.labels);
            case "tinyint", "smallint", "mediumint", "int", "bigint", "float", "double" -> unsigned == logged.unsigned;
            case "binary" -> switch (dataType) {
                case "binary" -> binaryLength == logged.binaryLength;
                case "uuid", "inet6" -> logged.binaryLength == 16;
                case "inet4" -> logged.binaryLength == 4;
                default -> false;
            };
            case "varbinary", "longblob" -> charsetName() == null;
            case "char", "varchar", "longtext" -> charsetName() != null && charset.equals(logged.charset)
                    && !dataType.equals("enum") && !dataType.equals("set");
            default -> true;
        };
    }

    private String charsetName() {
        return switch (dataType) {
            case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob", "bit", "vector", "uuid", "inet4",
                 "inet6" -> null;
            default -> charset.name();
        };
    }

    /**
     * TIME2, DATETIME2 and TIMESTAMP2 stand for their older formats; VAR_STRING for VARCHAR; MySQL's VECTOR for the
     * VARCHAR that MariaDB logs a vector as.
     */
    private static int binlogType(int code) {
        return switch (code) {
            case 19 -> 11;
            case 18 -> 12;
            case 17 -> 7;
            case 253 -> 15;
            case 14 -> 10;
            case 242 -> 15;
            default -> code;
        };
    }

    /** The binlog column type (MySQL's {@code enum_field_types}) this catalog type is logged as. */
    private static int binlogTypeOf(MySqlColumn c) {
        return switch (c.dataType) {
            case "tinyint" -> 1;
            case "smallint" -> 2;
            case "int", "integer" -> 3;
            case "float" -> 4;
            case "double", "real" -> 5;
            case "timestamp" -> 7;
            case "bigint" -> 8;
            case "mediumint" -> 9;
            case "date" -> 10;
            case "time" -> 11;
            case "datetime" -> 12;
            case "year" -> 13;
            case "varchar", "varbinary", "vector" -> 15;
            case "bit" -> 16;
            case "json" -> 245;
            case "decimal", "numeric" -> 246;
            case "tinytext", "text", "mediumtext", "longtext", "tinyblob", "blob", "mediumblob", "longblob" -> 252;
            case "char", "binary", "enum", "set", "uuid", "inet4", "inet6" -> 254;
            case "geometry", "point", "linestring", "polygon", "multipoint", "multilinestring", "multipolygon",
                 "geometrycollection", "geomcollection" -> 255;
            default -> -1;
        };
    }

    private static String bare(String columnType) {
        return columnType.toLowerCase(Locale.ROOT).replace(" unsigned", "").replace(" zerofill", "").trim();
    }

    ColumnType type() {
        return ColumnType.of(kind, columnType);
    }

    private static TypeKind kindOf(String dataType, boolean unsigned) {
        return switch (dataType) {
            case "tinyint", "year" -> TypeKind.INT16;
            case "smallint" -> unsigned ? TypeKind.INT32 : TypeKind.INT16;
            case "mediumint" -> TypeKind.INT32;
            case "int", "integer" -> unsigned ? TypeKind.INT64 : TypeKind.INT32;
            case "bigint" -> unsigned ? TypeKind.DECIMAL : TypeKind.INT64;
            case "decimal", "numeric" -> TypeKind.DECIMAL;
            case "float" -> TypeKind.FLOAT32;
            case "double", "real" -> TypeKind.FLOAT64;
            case "bit", "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob", "vector" -> TypeKind.BYTES;
            case "uuid" -> TypeKind.UUID;
            case "inet4", "inet6" -> TypeKind.TEXT;
            // MySQL's own geometry format: a 4-byte little-endian SRID, then the WKB, as SELECT and the binlog give it.
            case "geometry", "point", "linestring", "polygon", "multipoint", "multilinestring", "multipolygon",
                 "geometrycollection", "geomcollection" -> TypeKind.BYTES;
            case "char", "varchar", "tinytext", "text", "mediumtext", "longtext", "set" -> TypeKind.TEXT;
            case "enum" -> TypeKind.ENUM;
            case "json" -> TypeKind.JSON;
            case "date" -> TypeKind.DATE;
            case "time" -> TypeKind.DURATION;
            case "datetime" -> TypeKind.TIMESTAMP;
            case "timestamp" -> TypeKind.TIMESTAMPTZ;
            default -> TypeKind.UNKNOWN;
        };
    }

    private static Charset charsetOf(String name) {
        if (name == null) {
            return StandardCharsets.UTF_8;
        }
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "latin1" -> Charset.forName("windows-1252");
            case "ascii" -> StandardCharsets.US_ASCII;
            case "ucs2", "utf16" -> StandardCharsets.UTF_16BE;
            case "utf16le" -> StandardCharsets.UTF_16LE;
            case "utf32" -> Charset.forName("UTF-32BE");
            default -> StandardCharsets.UTF_8;
        };
    }

    /** The quoted labels of {@code enum('a','b')} or {@code set(...)}, with {@code ''} meaning one quote. */
    static List<String> labelsOf(String columnType) {
        List<String> out = new ArrayList<>();
        int i = columnType.indexOf('(');
        StringBuilder label = null;
        for (i = i + 1; i < columnType.length(); i++) {
            char c = columnType.charAt(i);
            if (label == null) {
                if (c == '\'') {
                    label = new StringBuilder();
                } else if (c == ')') {
                    break;
                }
            } else if (c == '\'') {
                if (i + 1 < columnType.length() && columnType.charAt(i + 1) == '\'') {
                    label.append('\'');
                    i++;
                } else {
                    out.add(label.toString());
                    label = null;
                }
            } else if (c == '\\' && i + 1 < columnType.length()) {
                label.append(columnType.charAt(++i));
            } else {
                label.append(c);
            }
        }
        return List.copyOf(out);
    }

    private static int lengthOf(String columnType) {
        int open = columnType.indexOf('(');
        int close = columnType.indexOf(')');
        return open < 0 || close < open ? 0 : Integer.parseInt(columnType.substring(open + 1, close).trim());
    }

    /**
     * How a snapshot selects this column: its name, or for times and dates the server's own text
     * ({@code -838:59:59.000000}, {@code 2024-00-15}), which the JDBC driver's binary decoding refuses.
     */
    String selectExpression() {
        String q = Backticks.quote(name);
        boolean text = kind == TypeKind.DURATION || kind == TypeKind.DATE || kind == TypeKind.TIMESTAMP
                || kind == TypeKind.TIMESTAMPTZ;
        return text ? "CAST(" + q + " AS CHAR) AS " + q : q;
    }

    /**
     * {@code quoted} as text where the server compares the column's own bytes instead (MariaDB's uuid, inet4, inet6),
     * so that keys order by their text as {@code ferry verify} does.
     */
    String asText(String quoted) {
        return switch (dataType) {
            case "uuid", "inet4", "inet6" -> "CAST(" + quoted + " AS CHAR)";
            default -> quoted;
        };
    }

    /** A snapshot value read with {@code getString} ({@code text}) or {@code getBytes} ({@code bytes}). */
    Object fromSnapshot(String text, byte[] bytes) {
        if (kind == TypeKind.BYTES) {
            return bytes;
        }
        if (text == null) {
            return null;
        }
        return switch (kind) {
            case INT16 -> Short.valueOf(text);
            case INT32 -> Integer.valueOf(text);
            case INT64 -> Long.valueOf(text);
            case DECIMAL -> new BigDecimal(text);
            case FLOAT32 -> Float.valueOf(text);
            case FLOAT64 -> Double.valueOf(text);
            case UUID -> java.util.UUID.fromString(text);
            case DATE -> zeroDate(text) ? null : LocalDate.parse(text);
            case DURATION -> Duration.of(parseTimeMicros(text), ChronoUnit.MICROS);
            case TIMESTAMP -> zeroDate(text) ? null : parseDateTime(text);
            case TIMESTAMPTZ -> zeroDate(text) ? null : parseDateTime(text).toInstant(ZoneOffset.UTC);
            default -> text;
        };
    }

    /** A binlog row-image cell as the deserializer gave it (dates as epoch microseconds, strings as bytes). */
    Object fromBinlog(Serializable v) {
        if (v == null) {
            return null;
        }
        switch (kind) {
            case INT16:
                if (dataType.equals("year")) {
                    int year = ((Number) v).intValue();
                    return (short) (year == 1900 ? 0 : year);
                }
                return (short) unsignedIf(((Number) v).longValue(), 8);
            case INT32:
                return (int) unsignedIf(((Number) v).longValue(), dataType.equals("mediumint") ? 24 : 16);
            case INT64:
                return unsignedIf(((Number) v).longValue(), 32);
            case DECIMAL:
                if (v instanceof BigDecimal d) {
                    return d;
                }
                return new BigDecimal(Long.toUnsignedString(((Number) v).longValue()));
            case FLOAT32:
                return ((Number) v).floatValue();
            case FLOAT64:
                return ((Number) v).doubleValue();
            case BYTES:
                byte[] b = (byte[]) v;
                return binaryLength > b.length ? Arrays.copyOf(b, binaryLength) : b;
            case DATE:
                return LocalDate.ofEpochDay(Math.floorDiv((Long) v, 86_400_000_000L));
            case DURATION:
                return Duration.of((Long) v, ChronoUnit.MICROS);
            case TIMESTAMP:
                return LocalDateTime.ofEpochSecond(Math.floorDiv((Long) v, 1_000_000L),
                        (int) Math.floorMod((Long) v, 1_000_000L) * 1000, ZoneOffset.UTC);
            case TIMESTAMPTZ:
                long micros = (Long) v;
                return micros == 0 ? null : Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
                        Math.floorMod(micros, 1_000_000L) * 1000);
            case UUID:
                return MariaDbText.uuid((byte[]) v);
            case ENUM:
                int index = ((Number) v).intValue();
                return index == 0 ? "" : labels.get(index - 1);
            case JSON:
                if (dataType.equals("json")) {
                    try {
                        return MySqlJsonText.of((byte[]) v);
                    } catch (IOException e) {
                        throw new FerryException("cannot decode the binlog JSON value of column \"" + name + "\": "
                                + e.getMessage(), e, false);
                    }
                }
                return text(v);
            default:
                if (dataType.equals("set")) {
                    long bits = ((Number) v).longValue();
                    StringBuilder out = new StringBuilder();
                    for (int i = 0; i < labels.size(); i++) {
                        if ((bits & (1L << i)) != 0) {
                            out.append(out.length() == 0 ? "" : ",").append(labels.get(i));
                        }
                    }
                    return out.toString();
                }
                if (dataType.equals("inet6")) {
                    return MariaDbText.inet6((byte[]) v);
                }
                if (dataType.equals("inet4")) {
                    return MariaDbText.inet4((byte[]) v);
                }
                return text(v);
        }
    }

    private String text(Serializable v) {
        return v instanceof byte[] b ? new String(b, charset) : v.toString();
    }

    private long unsignedIf(long v, int bits) {
        return unsigned ? v & ((1L << bits) - 1) : v;
    }

    /**
     * Whether a {@code YYYY-MM-DD...} text is a zero date or has a zero month or day (permissive sql_mode allows
     * {@code 0000-00-00} and {@code 2024-00-15}), which no date type can hold: Ferry carries it as NULL. Year 0
     * with a real month and day ({@code 0000-01-01}) is a date.
     */
    static boolean zeroDate(String text) {
        return text.startsWith("00", 5) || text.startsWith("00", 8);
    }

    /** {@code [-]h:mm:ss[.ffffff]} to signed microseconds. */
    static long parseTimeMicros(String text) {
        boolean negative = text.startsWith("-");
        String t = negative ? text.substring(1) : text;
        String[] hms = t.split(":");
        long hours = Long.parseLong(hms[0]);
        long minutes = Long.parseLong(hms[1]);
        String sec = hms[2];
        long micros = 0;
        int dot = sec.indexOf('.');
        if (dot >= 0) {
            String frac = (sec.substring(dot + 1) + "000000").substring(0, 6);
            micros = Long.parseLong(frac);
            sec = sec.substring(0, dot);
        }
        long total = ((hours * 60 + minutes) * 60 + Long.parseLong(sec)) * 1_000_000L + micros;
        return negative ? -total : total;
    }

    private static LocalDateTime parseDateTime(String text) {
        return LocalDateTime.parse(text.length() > 10 && text.charAt(10) == ' '
                ? text.substring(0, 10) + "T" + text.substring(11) : text);
    }
}
