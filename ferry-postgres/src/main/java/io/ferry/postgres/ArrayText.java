package io.ferry.postgres;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Parses PostgreSQL's array text form ({@code {1,NULL,"a \"b\""}}, nested braces for more dimensions, an
 * optional {@code [1:2]=} bounds prefix) into nested {@link List}s whose elements go through the element
 * type's decoder. An unquoted {@code NULL} is SQL NULL; a quoted one is the text {@code NULL}.
 */
final class ArrayText implements ValueDecoder {

    private final ValueDecoder element;
    private final char delimiter;

    ArrayText(ValueDecoder element, char delimiter) {
        this.element = element;
        this.delimiter = delimiter;
    }

    @Override
    public Object decode(String text) {
        int start = 0;
        if (text.startsWith("[")) {
            start = text.indexOf('=') + 1;
        }
        Cursor c = new Cursor(text, start);
        List<Object> result = parse(c);
        return result;
    }

    private List<Object> parse(Cursor c) {
        c.expect('{');
        c.skipSpaces();
        if (c.peek() == '}') {
            c.pos++;
            return Collections.emptyList();
        }
        List<Object> out = new ArrayList<>();
        while (true) {
            c.skipSpaces();
            char ch = c.peek();
            if (ch == '{') {
                out.add(parse(c));
            } else if (ch == '"') {
                out.add(element.decode(c.quoted()));
            } else {
                String raw = c.unquoted(delimiter);
                out.add(raw == null ? null : element.decode(raw));
            }
            c.skipSpaces();
            char next = c.text.charAt(c.pos++);
            if (next == '}') {
                return out;
            }
            if (next != delimiter) {
                throw new IllegalArgumentException("malformed array at offset " + (c.pos - 1) + ": " + c.text);
            }
        }
    }

    private static final class Cursor {
        final String text;
        int pos;

        Cursor(String text, int pos) {
            this.text = text;
            this.pos = pos;
        }

        char peek() {
            return text.charAt(pos);
        }

        void expect(char ch) {
            skipSpaces();
            if (text.charAt(pos) != ch) {
                throw new IllegalArgumentException("malformed array, expected '" + ch + "' at offset " + pos
                        + ": " + text);
            }
            pos++;
        }

        void skipSpaces() {
            while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
                pos++;
            }
        }

        String quoted() {
            StringBuilder sb = new StringBuilder();
            pos++;
            while (true) {
                char ch = text.charAt(pos++);
                if (ch == '"') {
                    return sb.toString();
                }
                if (ch == '\\') {
                    ch = text.charAt(pos++);
                }
                sb.append(ch);
            }
        }

        /** An unquoted element up to the delimiter or closing brace; {@code null} for NULL. */
        String unquoted(char delimiter) {
            StringBuilder sb = new StringBuilder();
            boolean escaped = false;
            while (true) {
                char ch = text.charAt(pos);
                if (ch == delimiter || ch == '}') {
                    break;
                }
                pos++;
                if (ch == '\\') {
                    escaped = true;
                    sb.append(text.charAt(pos++));
                } else {
                    sb.append(ch);
                }
            }
            String s = sb.toString().strip();
            return !escaped && s.equalsIgnoreCase("NULL") ? null : s;
        }
    }
}
