package io.ferry.mysql.sink;

import java.util.List;

/** SQL text pieces: identifiers are always backquoted, so names keep their exact spelling. */
final class Sql {

    private Sql() {
    }

    static String ident(String name) {
        return '`' + name.replace("`", "``") + '`';
    }

    static String qualified(String database, String table) {
        return ident(database) + '.' + ident(table);
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
