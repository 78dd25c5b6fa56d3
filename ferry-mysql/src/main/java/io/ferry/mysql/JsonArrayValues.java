package io.ferry.mysql;

import io.ferry.core.ColumnType;
import io.ferry.core.TypeKind;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Reads back an array a MySQL sink stored as a JSON array (MySQL has no array type) into the {@link List} a
 * source gives for it, for {@code ferry verify}: the inverse of the sink's encoding. Numbers and booleans are
 * JSON numbers and booleans; every other element is a JSON string of its text form (decimals as digits,
 * {@code "NaN"}/{@code "Infinity"} floats, bytes in base64, instants in ISO-8601); nested arrays are nested lists.
 * Each element is decoded by the source's element kind. Text that is not such an array gives null.
 */
final class JsonArrayValues {

    private final String text;
    private final ColumnType element;
    private int pos;

    private JsonArrayValues(String text, ColumnType element) {
        this.text = text;
        this.element = element;
    }

    /** The list, or null when {@code json} is not a JSON array. */
    static List<Object> parse(String json, ColumnType arrayType) {
        ColumnType element = arrayType.element();
        while (element != null && element.kind() == TypeKind.ARRAY) {
            element = element.element();
        }
        JsonArrayValues p = new JsonArrayValues(json, element);
        try {
            p.skipSpace();
            List<Object> out = p.array();
            p.skipSpace();
            return p.pos == json.length() ? out : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private List<Object> array() {
        expect('[');
        List<Object> out = new ArrayList<>();
        skipSpace();
        if (peek() == ']') {
            pos++;
            return out;
        }
        while (true) {
            skipSpace();
            out.add(value());
            skipSpace();
            char c = text.charAt(pos++);
            if (c == ']') {
                return out;
            }
            if (c != ',') {
                throw new IllegalArgumentException("expected , or ] at " + (pos - 1));
            }
        }
    }

    private Object value() {
        char c = peek();
        if (c == '[') {
            return array();
        }
        if (c == '"') {
            return element(string());
        }
        int start = pos;
        while (pos < text.length() && ",] \t\r\n".indexOf(text.charAt(pos)) < 0) {
            pos++;
        }
        String literal = text.substring(start, pos);
        return literal.equals("null") ? null : element(literal);
    }

    private Object element(String s) {
        TypeKind kind = element == null ? TypeKind.TEXT : element.kind();
        if (kind == TypeKind.BYTES) {
            try {
                return Base64.getDecoder().decode(s);
            } catch (IllegalArgumentException e) {
                return s;
            }
        }
        if (kind == TypeKind.BOOLEAN) {
            return s.equals("true") ? Boolean.TRUE : s.equals("false") ? Boolean.FALSE : s;
        }
        return MySqlTableRows.byKind(kind, s);
    }

    private String string() {
        expect('"');
        StringBuilder sb = new StringBuilder();
        while (true) {
            char c = text.charAt(pos++);
            if (c == '"') {
                return sb.toString();
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            char e = text.charAt(pos++);
            switch (e) {
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'u' -> {
                    sb.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
                    pos += 4;
                }
                default -> sb.append(e);   // " \ /
            }
        }
    }

    private char peek() {
        return text.charAt(pos);
    }

    private void expect(char c) {
        if (text.charAt(pos++) != c) {
            throw new IllegalArgumentException("expected " + c + " at " + (pos - 1));
        }
    }

    private void skipSpace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }
}
