package io.ferry.postgres;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;

/**
 * The rows of a query read through {@code COPY (query) TO STDOUT} in text format, each as the column texts a
 * {@code ResultSet.getString} would have given (COPY's escapes undone, {@code \N} as null). COPY runs the same output
 * functions as a SELECT, so only its escaping differs; it costs the server less per row than the row protocol.
 * Not thread-safe; the connection is busy until the last row is read or {@link #close}.
 */
final class CopyOutRows implements AutoCloseable {

    private final CopyOut copy;
    private final String[] fields;
    private byte[] scratch = new byte[256];

    /** Starts {@code COPY (select) TO STDOUT} on {@code c} for rows of {@code columns} columns. */
    CopyOutRows(Connection c, String select, int columns) throws SQLException {
        this.copy = c.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY (" + select + ") TO STDOUT");
        this.fields = new String[columns];
    }

    /**
     * The next row's column texts (the same array each call, overwritten), or null after the last row.
     */
    String[] next() throws SQLException {
        byte[] row = copy.readFromCopy();
        if (row == null) {
            return null;
        }
        int end = row.length > 0 && row[row.length - 1] == '\n' ? row.length - 1 : row.length;
        int start = 0;
        int column = 0;
        boolean escaped = false;
        // One pass: find the tabs and note whether a field holds a backslash (most hold none).
        for (int i = 0; i <= end; i++) {
            byte b = i == end ? (byte) '\t' : row[i];
            if (b == '\\') {
                escaped = true;
                i++;
            } else if (b == '\t') {
                if (column == fields.length) {
                    throw new SQLException("COPY sent more than " + fields.length + " columns in a row");
                }
                fields[column++] = escaped ? unescaped(row, start, i) : new String(row, start, i - start,
                        StandardCharsets.UTF_8);
                start = i + 1;
                escaped = false;
            }
        }
        if (column != fields.length) {
            throw new SQLException("COPY sent " + column + " columns in a row, not " + fields.length);
        }
        return fields;
    }

    /** A column's text holding backslashes: {@code \N} is null, other backslash sequences are COPY's escapes. */
    private String unescaped(byte[] row, int from, int to) {
        if (to - from == 2 && row[from + 1] == 'N') {
            return null;
        }
        int backslash = from;
        while (row[backslash] != '\\') {
            backslash++;
        }
        if (scratch.length < to - from) {
            scratch = new byte[Math.max(to - from, 2 * scratch.length)];
        }
        int n = backslash - from;
        System.arraycopy(row, from, scratch, 0, n);
        for (int i = backslash; i < to; i++) {
            byte b = row[i];
            if (b != '\\' || i + 1 == to) {
                scratch[n++] = b;
                continue;
            }
            byte e = row[++i];
            switch (e) {
                case 'b' -> scratch[n++] = '\b';
                case 'f' -> scratch[n++] = '\f';
                case 'n' -> scratch[n++] = '\n';
                case 'r' -> scratch[n++] = '\r';
                case 't' -> scratch[n++] = '\t';
                case 'v' -> scratch[n++] = 0x0b;
                default -> {
                    if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        for (int k = 0; k < 2 && i + 1 < to && row[i + 1] >= '0' && row[i + 1] <= '7'; k++) {
                            v = v * 8 + (row[++i] - '0');
                        }
                        scratch[n++] = (byte) v;
                    } else {
                        // COPY TO escapes only the backslash itself and control characters; any other escaped
                        // character stands for itself.
                        scratch[n++] = e;
                    }
                }
            }
        }
        return new String(scratch, 0, n, StandardCharsets.UTF_8);
    }

    /**
     * Reads any rows left unread, so the connection can be used again (pgjdbc's {@code cancelCopy} of a COPY TO leaves
     * the connection out of step with the next query). The snapshot reads whole key ranges, so little is ever left.
     */
    @Override
    public void close() throws SQLException {
        while (copy.isActive() && copy.readFromCopy() != null) {
            // discarded
        }
    }
}
