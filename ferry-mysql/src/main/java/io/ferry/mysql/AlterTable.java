package io.ferry.mysql;

import io.ferry.core.TableId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Just enough of an {@code ALTER TABLE} statement from a binlog QUERY event to follow column identity: which
 * columns it renames ({@code RENAME COLUMN a TO b}, {@code CHANGE [COLUMN] a b type}), drops and adds, and a
 * table rename ({@code RENAME [TO|AS] t2}). Types are not read from here: rows decode from their TABLE_MAP.
 * Names may be backquoted; keywords are case-insensitive.
 */
record AlterTable(TableId table, List<Op> ops) {

    /** One column-level effect, in statement order. */
    sealed interface Op {
    }

    record Renamed(String from, String to) implements Op {
    }

    record Dropped(String name) implements Op {
    }

    /**
     * {@code ADD [COLUMN] name ...}; {@code leftNull} when the definition proves existing rows hold NULL in it: no
     * DEFAULT, NOT NULL, generation (AS, GENERATED), AUTO_INCREMENT, SERIAL, and not a timestamp (which an old
     * {@code explicit_defaults_for_timestamp=OFF} server fills).
     */
    record Added(String name, boolean leftNull) implements Op {
    }

    /** {@code ALTER TABLE t RENAME TO t2}. */
    record TableRenamed(TableId to) implements Op {
    }

    /** Words of a column definition that can give existing rows a value other than NULL. */
    private static final List<String> FILLS_ROWS = List.of("DEFAULT", "NOT", "AS", "GENERATED", "AUTO_INCREMENT",
            "SERIAL", "TIMESTAMP", "PERSISTENT", "VIRTUAL", "STORED");

    private static final List<String> NOT_COLUMNS = List.of("PRIMARY", "INDEX", "KEY", "UNIQUE", "CONSTRAINT",
            "FOREIGN", "FULLTEXT", "SPATIAL", "CHECK", "PARTITION", "PERIOD", "SYSTEM");

    /** The statement's table and column effects, or {@code null} when it is not an ALTER TABLE. */
    static AlterTable parse(String sql, String defaultDb) {
        Tokens t = new Tokens(sql);
        if (!t.keyword("ALTER")) {
            return null;
        }
        t.keyword("ONLINE");
        t.keyword("IGNORE");
        if (!t.keyword("TABLE")) {
            return null;
        }
        ifExists(t);
        TableId table = qualified(t, defaultDb);
        if (table == null) {
            return null;
        }
        List<Op> ops = new ArrayList<>();
        for (List<String> clause : t.clauses()) {
            Tokens c = new Tokens(clause);
            if (c.keyword("RENAME")) {
                if (c.keyword("COLUMN")) {
                    String from = c.name();
                    c.keyword("TO");
                    ops.add(new Renamed(from, c.name()));
                } else if (!c.keyword("INDEX") && !c.keyword("KEY")) {
                    if (!c.keyword("TO")) {
                        c.keyword("AS");
                    }
                    ops.add(new TableRenamed(qualified(c, defaultDb)));
                }
            } else if (c.keyword("CHANGE")) {
                c.keyword("COLUMN");
                ifExists(c);
                String from = c.name();
                String to = c.name();
                if (!from.equals(to)) {
                    ops.add(new Renamed(from, to));
                }
            } else if (c.keyword("DROP")) {
                if (c.keyword("COLUMN") || !c.peekAny(NOT_COLUMNS)) {
                    ifExists(c);
                    ops.add(new Dropped(c.name()));
                }
            } else if (c.keyword("ADD")) {
                if (c.keyword("COLUMN") || !c.peekAny(NOT_COLUMNS)) {
                    c.keyword("IF");
                    c.keyword("NOT");
                    c.keyword("EXISTS");
                    if (c.peek("(")) {
                        // ADD (a int, b int): the names lead each top-level part of the parentheses.
                        for (List<String> part : c.inner().clauses()) {
                            Tokens column = new Tokens(part);
                            ops.add(new Added(column.name(), !column.restHasAny(FILLS_ROWS)));
                        }
                    } else {
                        ops.add(new Added(c.name(), !c.restHasAny(FILLS_ROWS)));
                    }
                }
            }
        }
        return new AlterTable(table, ops);
    }

    private static void ifExists(Tokens t) {
        if (t.keyword("IF")) {
            t.keyword("EXISTS");
        }
    }

    private static TableId qualified(Tokens t, String defaultDb) {
        String first = t.name();
        if (first == null) {
            return null;
        }
        if (t.peek(".")) {
            t.next();
            return new TableId(first, t.name());
        }
        return new TableId(defaultDb, first);
    }

    /** Words, quoted names (unquoted), and single punctuation characters; comments and string literals skipped. */
    private static final class Tokens {
        private final List<String> tokens;
        private final List<Boolean> quoted;
        private int at;

        Tokens(String sql) {
            tokens = new ArrayList<>();
            quoted = new ArrayList<>();
            int i = 0;
            int n = sql.length();
            while (i < n) {
                char ch = sql.charAt(i);
                if (Character.isWhitespace(ch)) {
                    i++;
                } else if (ch == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                    int end = sql.indexOf("*/", i + 2);
                    i = end < 0 ? n : end + 2;
                } else if (ch == '-' && i + 1 < n && sql.charAt(i + 1) == '-' || ch == '#') {
                    int end = sql.indexOf('\n', i);
                    i = end < 0 ? n : end + 1;
                } else if (ch == '`' || ch == '\'' || ch == '"') {
                    StringBuilder b = new StringBuilder();
                    i++;
                    while (i < n) {
                        char x = sql.charAt(i);
                        if (x == ch && i + 1 < n && sql.charAt(i + 1) == ch) {
                            b.append(ch);
                            i += 2;
                        } else if (x == ch) {
                            i++;
                            break;
                        } else if (x == '\\' && ch != '`' && i + 1 < n) {
                            b.append(sql.charAt(i + 1));
                            i += 2;
                        } else {
                            b.append(x);
                            i++;
                        }
                    }
                    tokens.add(ch == '`' ? b.toString() : "'");
                    quoted.add(true);
                } else if (Character.isLetterOrDigit(ch) || ch == '_' || ch == '$') {
                    int start = i;
                    while (i < n && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '_'
                            || sql.charAt(i) == '$')) {
                        i++;
                    }
                    tokens.add(sql.substring(start, i));
                    quoted.add(false);
                } else {
                    tokens.add(String.valueOf(ch));
                    quoted.add(false);
                    i++;
                }
            }
        }

        private Tokens(List<String> tokens, List<Boolean> quoted) {
            this.tokens = tokens;
            this.quoted = quoted;
        }

        Tokens(List<String> clause) {
            this(clause.subList(0, clause.size() / 2), flags(clause.subList(clause.size() / 2, clause.size())));
        }

        private static List<Boolean> flags(List<String> encoded) {
            List<Boolean> out = new ArrayList<>();
            for (String e : encoded) {
                out.add(e.equals("q"));
            }
            return out;
        }

        boolean keyword(String word) {
            if (at < tokens.size() && !quoted.get(at) && tokens.get(at).equalsIgnoreCase(word)) {
                at++;
                return true;
            }
            return false;
        }

        boolean peek(String token) {
            return at < tokens.size() && !quoted.get(at) && tokens.get(at).equals(token);
        }

        boolean peekAny(List<String> words) {
            return at < tokens.size() && !quoted.get(at)
                    && words.contains(tokens.get(at).toUpperCase(Locale.ROOT));
        }

        void next() {
            at++;
        }

        /** Whether an unquoted remaining token is one of {@code words} (upper case). */
        boolean restHasAny(List<String> words) {
            for (int i = at; i < tokens.size(); i++) {
                if (!quoted.get(i) && words.contains(tokens.get(i).toUpperCase(Locale.ROOT))) {
                    return true;
                }
            }
            return false;
        }

        String name() {
            return at < tokens.size() ? tokens.get(at++) : null;
        }

        /** The tokens inside the parentheses that start here (to the last closing one). */
        Tokens inner() {
            int close = tokens.lastIndexOf(")");
            return new Tokens(tokens.subList(at + 1, close), quoted.subList(at + 1, close));
        }

        private List<String> encode(int from, int to) {
            List<String> out = new ArrayList<>(tokens.subList(from, to));
            for (int i = from; i < to; i++) {
                out.add(quoted.get(i) ? "q" : "-");
            }
            return out;
        }

        /** The remaining tokens split at top-level commas, each encoded for {@link #Tokens(List)}. */
        List<List<String>> clauses() {
            List<List<String>> out = new ArrayList<>();
            int depth = 0;
            int start = at;
            for (int i = at; i < tokens.size(); i++) {
                String x = tokens.get(i);
                if (quoted.get(i)) {
                    continue;
                }
                if (x.equals("(")) {
                    depth++;
                } else if (x.equals(")")) {
                    depth--;
                } else if (x.equals(",") && depth == 0) {
                    out.add(encode(start, i));
                    start = i + 1;
                }
            }
            if (start < tokens.size()) {
                out.add(encode(start, tokens.size()));
            }
            return out;
        }
    }
}
