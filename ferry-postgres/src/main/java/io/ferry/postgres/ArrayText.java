package io.ferry.postgres;

import io.ferry.core.BoundedArray;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Parses PostgreSQL's array text form ({@code {1,NULL,"a \"b\""}}, nested braces for more dimensions) into nested
 * {@link List}s whose elements go through the element type's decoder. An unquoted {@code NULL} is SQL NULL; a quoted
 * one is the text {@code NULL}. A dimensions prefix ({@code [0:1]=}, which the server prints only when a lower bound
 * is not 1) makes the value a {@link BoundedArray}.
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
        if (!text.startsWith("[")) {
            return parse(new Cursor(text, 0));
        }
        // PostgreSQL prints the dimensions only when a lower bound is not 1: [0:1]={...} or [-2:-1][3:4]={{..}}.
        List<Integer> lowerBounds = new ArrayList<>();
        int pos = 0;
        while (text.charAt(pos) == '[') {
            int colon = text.indexOf(':', pos);
            int close = text.indexOf(']', pos);
            if (colon < 0 || close < colon) {
                throw new IllegalArgumentException("malformed array dimensions at offset " + pos + ": " + text);
            }
            lowerBounds.add(Integer.parseInt(text, pos + 1, colon, 10));
            pos = close + 1;
        }
        if (text.charAt(pos) != '=') {
            throw new IllegalArgumentException("malformed array, expected '=' at offset " + pos + ": " + text);
        }
        return BoundedArray.of(lowerBounds, parse(new Cursor(text, pos + 1)));
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
