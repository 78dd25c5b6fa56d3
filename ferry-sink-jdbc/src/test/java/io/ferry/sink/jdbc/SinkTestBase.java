package io.ferry.sink.jdbc;

import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A fresh namespace and a sink writing into it for each test, and questions to the target's catalog. */
public abstract class SinkTestBase {

    protected String namespace;
    protected JdbcSink sink;

    /** The database under test. */
    protected abstract SinkTarget target();

    @BeforeEach
    void open() {
        namespace = target().freshNamespace();
        sink = new JdbcSink(target().config(namespace), target().dialect());
    }

    @AfterEach
    void close() {
        sink.close();
    }

    /** The quoted name of a table in the test's namespace. */
    protected String qualified(String table) {
        return target().dialect().qualified(namespace, table);
    }

    protected List<List<Object>> query(String sql) {
        return target().query(namespace, sql);
    }

    protected List<Object> columnNames(String table) {
        return query("SELECT column_name FROM information_schema.columns WHERE table_schema = '"
                + namespace + "' AND table_name = '" + table.replace("'", "''") + "' ORDER BY ordinal_position")
                .stream().map(r -> r.get(0)).toList();
    }

    /** The column's type as the server spells it, with modifiers. */
    protected String columnType(String table, String column) {
        List<List<Object>> r = query("SELECT data_type, character_maximum_length, numeric_precision, numeric_scale"
                + " FROM information_schema.columns WHERE table_schema = '" + namespace + "' AND table_name = '"
                + table + "' AND column_name = '" + column + "'");
        List<Object> row = r.get(0);
        String type = String.valueOf(row.get(0)).toLowerCase(Locale.ROOT);
        if (row.get(1) != null) {
            return type + "(" + row.get(1) + ")";
        }
        if (type.equals("numeric") || type.equals("decimal")) {
            return type + "(" + row.get(2) + "," + row.get(3) + ")";
        }
        return type;
    }

    protected List<Object> primaryKey(String table) {
        return query("SELECT k.column_name FROM information_schema.table_constraints t"
                + " JOIN information_schema.key_column_usage k ON k.constraint_name = t.constraint_name"
                + " AND k.table_schema = t.table_schema AND k.table_name = t.table_name"
                + " WHERE t.constraint_type = 'PRIMARY KEY' AND t.table_schema = '" + namespace
                + "' AND t.table_name = '" + table.replace("'", "''") + "' ORDER BY k.ordinal_position")
                .stream().map(r -> r.get(0)).toList();
    }
}
