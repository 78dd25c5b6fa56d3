package io.ferry.core.verify;

import io.ferry.core.BoundedArray;
import io.ferry.core.ColumnType;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * Database-independent bytes and text for rows of {@link TypeKind} values, so that values meaning the same
 * compare equal whichever database they were read from.
 *
 * <p>Each value is a type tag followed by its canonical form: integers as 8 bytes whatever their width;
 * decimals as {@code stripTrailingZeros().toPlainString()} (so {@code 1.50} equals {@code 1.5}); floats by
 * their IEEE bits ({@code floatToIntBits}/{@code doubleToLongBits}: one NaN, {@code -0.0} differs from
 * {@code 0.0}); booleans as one byte; bytes as their content; UUIDs in lowercase text; JSON as
 * {@link CanonicalJson} (key order and spacing do not matter); arrays element by element, after their
 * lower bounds when those are not all 1 ({@link BoundedArray}); text, enum labels,
 * intervals, dates, times and timestamps as their UTF-8 ISO text ({@code toString()} of the java.time value,
 * so an {@link java.time.Instant} is always UTC). Lengths are prefixed, so no two rows share an encoding.
 */
public final class CanonicalValues {

    private CanonicalValues() {
    }

    /** A growable byte buffer, reused across rows. */
    static final class Out extends ByteArrayOutputStream {
        Out() {
            super(256);
        }

        void writeInt(int v) {
            write(v >>> 24);
            write(v >>> 16);
            write(v >>> 8);
            write(v);
        }

        void writeLong(long v) {
            writeInt((int) (v >>> 32));
            writeInt((int) v);
        }

        void writeLengthPrefixed(byte[] b) {
            writeInt(b.length);
            write(b, 0, b.length);
        }

        void writeText(String s) {
            writeLengthPrefixed(s.getBytes(StandardCharsets.UTF_8));
        }

        byte[] buffer() {
            return buf;
        }
    }

    /** The canonical encoding of a whole row under the schema's column types. */
    public static byte[] encode(TableSchema schema, Object[] row) {
        Out out = new Out();
        encodeRow(schema, row, out);
        return out.toByteArray();
    }

    static void encodeRow(TableSchema schema, Object[] row, Out out) {
        int n = schema.columns().size();
        out.writeInt(n);
        for (int i = 0; i < n; i++) {
            encode(i < row.length ? row[i] : null, schema.columns().get(i).type(), out);
        }
    }

    static void encode(Object v, ColumnType type, Out out) {
        if (v == null) {
            out.write(0);
            return;
        }
        TypeKind kind = type.kind();
        switch (kind) {
            case INT16, INT32, INT64 -> {
                if (v instanceof Number num && !(v instanceof BigDecimal) && !(v instanceof BigInteger)) {
                    out.write(1);
                    out.writeLong(num.longValue());
                } else {
                    decimal(v, out);
                }
            }
            case DECIMAL -> decimal(v, out);
            case FLOAT32 -> {
                out.write(4);
                out.writeInt(Float.floatToIntBits(((Number) v).floatValue()));
            }
            case FLOAT64 -> {
                out.write(5);
                out.writeLong(Double.doubleToLongBits(((Number) v).doubleValue()));
            }
            case BOOLEAN -> {
                out.write(6);
                out.write(bool(v) ? 1 : 0);
            }
            case BYTES -> {
                out.write(7);
                out.writeLengthPrefixed(v instanceof byte[] b ? b : v.toString().getBytes(StandardCharsets.UTF_8));
            }
            case JSON -> {
                out.write(8);
                out.writeText(CanonicalJson.canonical(v.toString()));
            }
            case ARRAY -> {
                if (v instanceof BoundedArray bounded) {
                    // The bounds first, so an array differing only in its bounds encodes differently.
                    out.write(13);
                    out.writeInt(bounded.lowerBounds().size());
                    for (int lower : bounded.lowerBounds()) {
                        out.writeInt(lower);
                    }
                    encode(bounded.elements(), type, out);
                } else if (v instanceof List<?> list) {
                    out.write(9);
                    out.writeInt(list.size());
                    for (Object e : list) {
                        encode(e, type.element(), out);
                    }
                } else {
                    out.write(10);
                    out.writeText(v.toString());
                }
            }
            case UUID -> {
                out.write(11);
                out.writeText(v.toString().toLowerCase(Locale.ROOT));
            }
            default -> {
                out.write(12);
                out.writeText(v.toString());
            }
        }
    }

    private static void decimal(Object v, Out out) {
        BigDecimal d = null;
        if (v instanceof BigDecimal b) {
            d = b;
        } else if (v instanceof Number n && !(v instanceof Double) && !(v instanceof Float)) {
            d = new BigDecimal(n.toString());
        }
        if (d == null) {
            // NaN, Infinity, -Infinity: carried as text
            out.write(3);
            out.writeText(v.toString());
            return;
        }
        BigDecimal s = d.signum() == 0 ? BigDecimal.ZERO : d.stripTrailingZeros();
        if (s.scale() >= 0 || s.precision() - s.scale() <= 1000) {
            out.write(2);
            out.writeText(s.toPlainString());
        } else {
            out.write(2);
            out.writeText(s.toString());
        }
    }

    private static boolean bool(Object v) {
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof Number n) {
            return n.longValue() != 0;
        }
        String s = v.toString().toLowerCase(Locale.ROOT);
        return s.equals("t") || s.equals("true") || s.equals("1") || s.equals("y") || s.equals("yes") || s.equals("on");
    }

    /** A row as people read it: {@code (1, 'text', 2.50, '\x0aff', NULL)}. */
    public static String format(Object[] row) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < row.length; i++) {
            sb.append(i == 0 ? "" : ", ");
            formatValue(row[i], sb);
        }
        return sb.append(')').toString();
    }

    /** Values joined by {@code ", "}, without parentheses: how a key is named. */
    public static String formatKey(Object[] key) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < key.length; i++) {
            sb.append(i == 0 ? "" : ", ");
            formatValue(key[i], sb);
        }
        return sb.toString();
    }

    static void formatValue(Object v, StringBuilder sb) {
        if (v == null) {
            sb.append("NULL");
        } else if (v instanceof byte[] b) {
            sb.append("'\\x");
            for (byte x : b) {
                sb.append(Character.forDigit((x >> 4) & 0xF, 16)).append(Character.forDigit(x & 0xF, 16));
            }
            sb.append('\'');
        } else if (v instanceof BigDecimal d) {
            sb.append(d.toPlainString());
        } else if (v instanceof Number || v instanceof Boolean) {
            sb.append(v);
        } else if (v instanceof BoundedArray bounded) {
            sb.append(bounded.dimensions()).append('=');
            formatValue(bounded.elements(), sb);
        } else if (v instanceof List<?> list) {
            sb.append('[');
            for (int i = 0; i < list.size(); i++) {
                sb.append(i == 0 ? "" : ", ");
                formatValue(list.get(i), sb);
            }
            sb.append(']');
        } else {
            sb.append('\'').append(v.toString().replace("'", "''")).append('\'');
        }
    }
}
