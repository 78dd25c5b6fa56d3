package io.ferry.postgres.sink;

import io.ferry.core.ColumnType;
import io.ferry.core.TableSchema;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Streams rows to a {@code COPY ... FROM STDIN} in text format. Values are escaped and encoded as UTF-8 straight into
 * one reused buffer, which goes to the server each time it holds about a megabyte: text, JSON and integers are
 * written without an intermediate string. Not thread-safe: one per sink.
 */
final class CopyText {

    private static final int FLUSH_BYTES = 1 << 20;

    private byte[] buf = new byte[FLUSH_BYTES + 8192];
    private int len;
    private final StringBuilder value = new StringBuilder(64);

    /** Runs {@code sql} (a COPY FROM STDIN naming {@code columns} in order) with the rows' values of those columns. */
    long copy(Connection c, String sql, TableSchema schema, int[] columns, List<Object[]> rows) throws SQLException {
        ColumnType[] types = new ColumnType[columns.length];
        for (int i = 0; i < columns.length; i++) {
            types[i] = schema.columns().get(columns[i]).type();
        }
        CopyIn copy = c.unwrap(PGConnection.class).getCopyAPI().copyIn(sql);
        len = 0;
        try {
            for (Object[] row : rows) {
                for (int i = 0; i < columns.length; i++) {
                    if (i > 0) {
                        put((byte) '\t');
                    }
                    value(types[i], row[columns[i]]);
                }
                put((byte) '\n');
                if (len >= FLUSH_BYTES) {
                    flush(copy);
                }
            }
            flush(copy);
            return copy.endCopy();
        } finally {
            len = 0;
            if (copy.isActive()) {
                copy.cancelCopy();
            }
        }
    }

    private void value(ColumnType type, Object v) {
        if (v == null) {
            put((byte) '\\');
            put((byte) 'N');
        } else if (v instanceof String s) {
            // TEXT, JSON, ENUM, INTERVAL, UNKNOWN and the special numerics are their own input text.
            escaped(s);
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short) {
            digits(((Number) v).longValue());
        } else {
            value.setLength(0);
            PgText.append(value, type, v);
            escaped(value);
        }
    }

    private void digits(long n) {
        if (n == Long.MIN_VALUE) {
            escaped(Long.toString(n));
            return;
        }
        if (n < 0) {
            put((byte) '-');
            n = -n;
        }
        ensure(20);
        int start = len;
        do {
            buf[len++] = (byte) ('0' + n % 10);
            n /= 10;
        } while (n != 0);
        for (int i = start, j = len - 1; i < j; i++, j--) {
            byte t = buf[i];
            buf[i] = buf[j];
            buf[j] = t;
        }
    }

    /** COPY text format: backslash, tab, newline and carriage return are escaped; the rest goes out as UTF-8. */
    private void escaped(CharSequence text) {
        int n = text.length();
        ensure(n * 3 + 8);
        byte[] b = buf;
        int p = len;
        for (int i = 0; i < n; i++) {
            char ch = text.charAt(i);
            if (ch < 0x80) {
                switch (ch) {
                    case '\\' -> {
                        b[p++] = '\\';
                        b[p++] = '\\';
                    }
                    case '\t' -> {
                        b[p++] = '\\';
                        b[p++] = 't';
                    }
                    case '\n' -> {
                        b[p++] = '\\';
                        b[p++] = 'n';
                    }
                    case '\r' -> {
                        b[p++] = '\\';
                        b[p++] = 'r';
                    }
                    default -> b[p++] = (byte) ch;
                }
            } else if (ch < 0x800) {
                b[p++] = (byte) (0xc0 | ch >> 6);
                b[p++] = (byte) (0x80 | ch & 0x3f);
            } else if (Character.isHighSurrogate(ch) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                int cp = Character.toCodePoint(ch, text.charAt(++i));
                b[p++] = (byte) (0xf0 | cp >> 18);
                b[p++] = (byte) (0x80 | cp >> 12 & 0x3f);
                b[p++] = (byte) (0x80 | cp >> 6 & 0x3f);
                b[p++] = (byte) (0x80 | cp & 0x3f);
            } else if (Character.isSurrogate(ch)) {
                // A lone surrogate has no UTF-8 form: '?' as String.getBytes writes it.
                b[p++] = '?';
            } else {
                b[p++] = (byte) (0xe0 | ch >> 12);
                b[p++] = (byte) (0x80 | ch >> 6 & 0x3f);
                b[p++] = (byte) (0x80 | ch & 0x3f);
            }
        }
        len = p;
    }

    private void put(byte x) {
        ensure(1);
        buf[len++] = x;
    }

    private void ensure(int more) {
        if (len + more > buf.length) {
            buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
        }
    }

    private void flush(CopyIn copy) throws SQLException {
        if (len > 0) {
            copy.writeToCopy(buf, 0, len);
            len = 0;
        }
    }
}
