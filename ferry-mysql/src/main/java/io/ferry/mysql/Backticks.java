package io.ferry.mysql;

import io.ferry.core.TableId;

/** MySQL identifiers in SQL: in backticks, inner backticks doubled, so any name the catalog holds works. */
final class Backticks {

    private Backticks() {
    }

    static String quote(String identifier) {
        return '`' + identifier.replace("`", "``") + '`';
    }

    static String quote(TableId id) {
        return quote(id.schema()) + "." + quote(id.table());
    }
}
