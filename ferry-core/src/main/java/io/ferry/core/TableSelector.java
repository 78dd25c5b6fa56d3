package io.ferry.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Resolves {@code source.tables} entries against the tables that exist. An entry is split on dots outside
 * double quotes into {@code schema.table} (for MySQL the schema is the database); without a schema it means
 * the source's default ({@code public}, or the configured MySQL database). A quoted part is literal, with
 * {@code ""} standing for one quote, so {@code "Sales Dept.Order"} is the table {@code Sales Dept.Order}.
 * Names are case-sensitive and never folded: {@code public.Customers} is the table literally named
 * {@code Customers}. An unquoted part containing {@code *} or {@code ?} is a pattern.
 */
public final class TableSelector {

    private TableSelector() {
    }

    /** One parsed entry: each part is a literal name or a compiled pattern. */
    public record Entry(String text, String schema, Pattern schemaPattern, String table, Pattern tablePattern) {
        public boolean isPattern() {
            return schemaPattern != null || tablePattern != null;
        }

        public boolean matches(TableId id) {
            return (schemaPattern != null ? schemaPattern.matcher(id.schema()).matches() : schema.equals(id.schema()))
                    && (tablePattern != null ? tablePattern.matcher(id.table()).matches() : table.equals(id.table()));
        }
    }

    /** Parses one entry; a malformed one (unclosed quote, three parts) is a {@link FerryException}. */
    public static Entry parse(String text, String defaultSchema) {
        List<String> parts = new ArrayList<>();
        List<Boolean> quoted = new ArrayList<>();
        StringBuilder part = new StringBuilder();
        boolean inQuotes = false;
        boolean wasQuoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (inQuotes) {
                if (c == '"') {
                    if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
                        part.append('"');
                        i++;
                    } else {
                        inQuotes = false;
                    }
                } else {
                    part.append(c);
                }
            } else if (c == '"') {
                if (part.length() > 0) {
                    throw invalid(text, "a quote may only open a whole name part");
                }
                inQuotes = true;
                wasQuoted = true;
            } else if (c == '.') {
                parts.add(part.toString());
                quoted.add(wasQuoted);
                part.setLength(0);
                wasQuoted = false;
            } else {
                if (wasQuoted) {
                    throw invalid(text, "text after a closing quote");
                }
                part.append(c);
            }
        }
        if (inQuotes) {
            throw invalid(text, "unclosed double quote");
        }
        parts.add(part.toString());
        quoted.add(wasQuoted);
        if (parts.size() > 2) {
            throw invalid(text, "expected schema.table (quote a name that contains a dot)");
        }
        for (String p : parts) {
            if (p.isEmpty()) {
                throw invalid(text, "empty name part");
            }
        }
        String schema = parts.size() == 2 ? parts.get(0) : defaultSchema;
        boolean schemaQuoted = parts.size() == 2 ? quoted.get(0) : true;
        String table = parts.get(parts.size() - 1);
        boolean tableQuoted = quoted.get(quoted.size() - 1);
        return new Entry(text, schema, schemaQuoted ? null : pattern(schema), table, tableQuoted ? null : pattern(table));
    }

    /**
     * The tables the entries name, in entry order without duplicates. Throws naming the first entry that names a
     * missing table or a pattern that matches nothing.
     */
    /** The existing tables the entries name, in entry order; an exact name or pattern matching nothing is an error. */
    public static List<TableId> resolve(List<String> entries, String defaultSchema, Collection<TableId> existing) {
        if (entries.isEmpty()) {
            throw new FerryException("source.tables is empty: name at least one table to capture");
        }
        Map<TableId, Boolean> out = new LinkedHashMap<>();
        for (String text : entries) {
            Entry e = parse(text, defaultSchema);
            if (e.isPattern()) {
                List<TableId> matched = new ArrayList<>();
                for (TableId id : existing) {
                    if (e.matches(id)) {
                        matched.add(id);
                    }
                }
                if (matched.isEmpty()) {
                    throw new FerryException("source.tables pattern \"" + text + "\" matches no table");
                }
                matched.sort(null);
                matched.forEach(id -> out.put(id, true));
            } else {
                TableId id = new TableId(e.schema(), e.table());
                if (!existing.contains(id)) {
                    throw new FerryException("table \"" + id + "\" does not exist (source.tables entry \"" + text
                            + "\")" + suggestion(id, existing));
                }
                out.put(id, true);
            }
        }
        return List.copyOf(out.keySet());
    }

    /**
     * Exact table names, as a snapshot request gives them, without duplicates: an empty list, a pattern or a
     * malformed name is a {@link FerryException} naming it. Whether the tables exist is the source's to say.
     */
    public static List<TableId> named(List<String> names, String defaultSchema) {
        if (names == null || names.isEmpty()) {
            throw new FerryException("name at least one table to copy, e.g. public.orders");
        }
        Map<TableId, Boolean> out = new LinkedHashMap<>();
        for (String text : names) {
            if (text == null || text.isBlank()) {
                throw new FerryException("a table name to copy is empty");
            }
            Entry e = parse(text.strip(), defaultSchema);
            if (e.isPattern()) {
                throw new FerryException("\"" + text + "\" is a pattern; name each table to copy exactly (quote a"
                        + " name that contains * or ?)");
            }
            out.put(new TableId(e.schema(), e.table()), true);
        }
        return List.copyOf(out.keySet());
    }

    private static String suggestion(TableId wanted, Collection<TableId> existing) {
        for (TableId id : existing) {
            if (id.schema().equalsIgnoreCase(wanted.schema()) && id.table().equalsIgnoreCase(wanted.table())) {
                return "; names are case-sensitive, did you mean " + quote(id) + "?";
            }
        }
        return "";
    }

    /** A name in double quotes, inner quotes doubled: as messages show it, and as PostgreSQL SQL needs it. */
    public static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }


    public static String quote(TableId id) {
        return quote(id.schema()) + "." + quote(id.table());
    }

    private static Pattern pattern(String part) {
        if (part.indexOf('*') < 0 && part.indexOf('?') < 0) {
            return null;
        }
        StringBuilder re = new StringBuilder();
        int literalStart = 0;
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            if (c == '*' || c == '?') {
                if (i > literalStart) {
                    re.append(Pattern.quote(part.substring(literalStart, i)));
                }
                re.append(c == '*' ? ".*" : ".");
                literalStart = i + 1;
            }
        }
        if (literalStart < part.length()) {
            re.append(Pattern.quote(part.substring(literalStart)));
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }

    private static FerryException invalid(String text, String why) {
        return new FerryException("source.tables entry \"" + text + "\" is not a valid table name: " + why);
    }
}
