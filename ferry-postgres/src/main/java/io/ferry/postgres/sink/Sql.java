package io.ferry.postgres.sink;

import java.util.List;

/** SQL text pieces: identifiers are always double-quoted, so names keep their exact spelling. */
final class Sql {

    private Sql() {
    }

    static String ident(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    static String qualified(String schema, String table) {
        return ident(schema) + '.' + ident(table);
    }

    static String identList(List<String> names) {
        StringBuilder sb = new StringBuilder();
        for (String n : names) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(ident(n));
        }
        return sb.toString();
    }
}
