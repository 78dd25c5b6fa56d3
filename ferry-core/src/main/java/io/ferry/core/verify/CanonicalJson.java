package io.ferry.core.verify;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One text per JSON document meaning: no insignificant whitespace, object members sorted by key (code point
 * order; members with equal keys keep their order), strings with minimal escaping, numbers as decimals without
 * trailing zeros ({@code 1.0}, {@code 1} and {@code 1e0} are the same number). PostgreSQL {@code json} keeps the
 * text as written, {@code jsonb} and MySQL reorder keys and respace; this form is equal for all three. Text that
 * is not valid JSON is returned unchanged.
 */
public final class CanonicalJson {

    private final String s;
    private int i;

    private CanonicalJson(String s) {
        this.s = s;
    }

    public static String canonical(String json) {
        CanonicalJson p = new CanonicalJson(json);
        try {
            StringBuilder out = new StringBuilder(json.length());
            p.value(out);
            p.ws();
            return p.i == json.length() ? out.toString() : json;
        } catch (RuntimeException e) {
            return json;
        }
    }

    private void ws() {
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t' || s.charAt(i) == '\n' || s.charAt(i) == '\r')) {
            i++;
        }
    }

    private void value(StringBuilder out) {
        ws();
        char c = s.charAt(i);
        switch (c) {
            case '{' -> object(out);
            case '[' -> array(out);
            case '"' -> quote(string(), out);
            case 't' -> literal("true", out);
            case 'f' -> literal("false", out);
            case 'n' -> literal("null", out);
            default -> number(out);
        }
    }

    private void literal(String word, StringBuilder out) {
        if (!s.startsWith(word, i)) {
            throw new IllegalArgumentException("bad literal");
        }
        i += word.length();
        out.append(word);
    }

    private void number(StringBuilder out) {
        int start = i;
        while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
            i++;
        }
        BigDecimal d = new BigDecimal(s.substring(start, i));
        out.append(d.signum() == 0 ? "0" : d.stripTrailingZeros().toString());
    }

    private void array(StringBuilder out) {
        i++;
        out.append('[');
        ws();
        if (s.charAt(i) == ']') {
            i++;
            out.append(']');
            return;
        }
        while (true) {
            value(out);
            ws();
            char c = s.charAt(i++);
            if (c == ']') {
                out.append(']');
                return;
            }
            if (c != ',') {
                throw new IllegalArgumentException("expected , or ]");
            }
            out.append(',');
        }
    }

    private void object(StringBuilder out) {
        i++;
        List<Map.Entry<String, String>> members = new ArrayList<>();
        ws();
        if (s.charAt(i) == '}') {
            i++;
        } else {
            while (true) {
                ws();
                if (s.charAt(i) != '"') {
                    throw new IllegalArgumentException("expected a key");
                }
                String key = string();
                ws();
                if (s.charAt(i++) != ':') {
                    throw new IllegalArgumentException("expected :");
                }
                StringBuilder v = new StringBuilder();
                value(v);
                members.add(Map.entry(key, v.toString()));
                ws();
                char c = s.charAt(i++);
                if (c == '}') {
                    break;
                }
                if (c != ',') {
                    throw new IllegalArgumentException("expected , or }");
                }
            }
        }
        members.sort((a, b) -> KeyOrder.compareCodePoints(a.getKey(), b.getKey()));
        out.append('{');
        for (int k = 0; k < members.size(); k++) {
            if (k > 0) {
                out.append(',');
            }
            quote(members.get(k).getKey(), out);
            out.append(':').append(members.get(k).getValue());
        }
        out.append('}');
    }

    private String string() {
        i++;
        StringBuilder sb = new StringBuilder();
        while (true) {
            char c = s.charAt(i++);
            if (c == '"') {
                return sb.toString();
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            char e = s.charAt(i++);
            switch (e) {
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                    i += 4;
                }
                default -> sb.append(e);
            }
        }
    }

    private static void quote(String v, StringBuilder out) {
        out.append('"');
        for (int k = 0; k < v.length(); k++) {
            char c = v.charAt(k);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        out.append('"');
    }
}
