package io.ferry.clickhouse;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * ClickHouse's {@code TabSeparated} format, byte for byte: a ClickHouse String is bytes, so binary values travel
 * unchanged apart from the escapes. Rows end with a newline, fields are separated by a tab, {@code \N} is NULL.
 */
final class Tsv {

    private Tsv() {
    }

    /** A growing TSV body. */
    static final class Out extends ByteArrayOutputStream implements CellOut {
        private boolean rowStarted;

        Out() {
            super(1 << 16);
        }

        /** Starts the next field of the current row. */
        void next() {
            if (rowStarted) {
                write('\t');
            }
            rowStarted = true;
        }

        void endRow() {
            write('\n');
            rowStarted = false;
        }

        void nullField() {
            next();
            write('\\');
            write('N');
        }

        /** A field whose text needs no escapes (numbers, dates, UUIDs). */
        @Override
        public void plain(String text) {
            next();
            for (int i = 0; i < text.length(); i++) {
                write(text.charAt(i));
            }
        }

        @Override
        public void text(String s) {
            bytes(s.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public void bytes(byte[] b) {
            next();
            for (byte x : b) {
                switch (x) {
                    case '\\' -> escape('\\');
                    case '\t' -> escape('t');
                    case '\n' -> escape('n');
                    case '\r' -> escape('r');
                    case 0 -> escape('0');
                    default -> write(x);
                }
            }
        }

        private void escape(char c) {
            write('\\');
            write(c);
        }

        /** Discards the current row's fields written so far (after a value was refused). */
        void truncate(int size) {
            count = size;
            rowStarted = false;
        }
    }

    /** The rows of a TSV answer, each field unescaped; a NULL field is null. */
    static List<byte[][]> parse(byte[] body) {
        List<byte[][]> rows = new ArrayList<>();
        List<byte[]> fields = new ArrayList<>();
        ByteArrayOutputStream field = new ByteArrayOutputStream();
        boolean isNull = false;
        int i = 0;
        while (i < body.length) {
            byte b = body[i++];
            if (b == '\t' || b == '\n') {
                fields.add(isNull ? null : field.toByteArray());
                field.reset();
                isNull = false;
                if (b == '\n') {
                    rows.add(fields.toArray(new byte[0][]));
                    fields.clear();
                }
            } else if (b == '\\' && i < body.length) {
                byte e = body[i++];
                if (e == 'N' && field.size() == 0 && (i == body.length || body[i] == '\t' || body[i] == '\n')) {
                    isNull = true;
                    continue;
                }
                field.write(switch (e) {
                    case 'b' -> '\b';
                    case 'f' -> '\f';
                    case 'r' -> '\r';
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    case '0' -> 0;
                    default -> e;
                });
            } else {
                field.write(b);
            }
        }
        if (field.size() > 0 || !fields.isEmpty()) {
            fields.add(isNull ? null : field.toByteArray());
            rows.add(fields.toArray(new byte[0][]));
        }
        return rows;
    }
}
