package io.ferry.clickhouse;

import java.util.ArrayList;
import java.util.List;

/**
 * A ClickHouse table of the sink as the server describes it: its source columns (Ferry's own {@code _ferry_*}
 * columns left out), their types, and its sorting key, which is the source's primary key (empty for a table
 * without one).
 */
record TargetTable(String database, String name, List<TargetColumn> columns, List<String> key) {

    static final String VERSION = "_ferry_version";
    static final String DELETED = "_ferry_deleted";
    static final String SIGN = "_ferry_sign";

    /** One column: name and ClickHouse type, e.g. {@code Nullable(Decimal(10, 2))}. */
    record TargetColumn(String name, String type) {
        /** The type without {@code Nullable(...)}. */
        String baseType() {
            return type.startsWith("Nullable(") ? type.substring(9, type.length() - 1) : type;
        }
    }

    boolean keyless() {
        return key.isEmpty();
    }

    TargetColumn column(String name) {
        for (TargetColumn c : columns) {
            if (c.name().equals(name)) {
                return c;
            }
        }
        return null;
    }

    boolean has(String name) {
        return column(name) != null;
    }

    String qualified() {
        return ClickHouseHttp.quote(database) + "." + ClickHouseHttp.quote(name);
    }

    String display() {
        return database + "." + name;
    }

    List<String> columnNames() {
        List<String> out = new ArrayList<>();
        for (TargetColumn c : columns) {
            out.add(c.name());
        }
        return out;
    }
}
