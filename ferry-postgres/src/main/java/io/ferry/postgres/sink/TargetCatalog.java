package io.ferry.postgres.sink;

import io.ferry.core.Column;
import io.ferry.core.FerryException;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The target tables Ferry writes to, {@code "<sink schema>"."<source table name>"}: creates them and adds
 * columns of newer schema versions (when allowed), and remembers what exists so that a schema already seen
 * costs no query. Runs its DDL in the caller's transaction; the caller commits.
 */
final class TargetCatalog {

    private final String schema;
    private final boolean createTables;
    private final Map<TableId, TargetTable> known = new HashMap<>();

    TargetCatalog(String schema, boolean createTables) {
        this.schema = schema;
        this.createTables = createTables;
    }

    /** The target table, known to have every column of {@code source}; null when DDL or a lookup is needed. */
    TargetTable cached(TableSchema source) {
        TargetTable t = known.get(source.table());
        return t != null && t.hasColumnsOf(source) ? t : null;
    }

    /** Forgets what this catalog knew, after a rollback of its DDL or a lost connection. */
    void forget() {
        known.clear();
    }

    TargetTable ensure(Connection c, TableSchema source) throws SQLException {
        TargetTable t = cached(source);
        if (t != null) {
            return t;
        }
        if (source.primaryKey().isEmpty()) {
            throw new FerryException("table " + source.table() + " has no primary key; the PostgreSQL sink "
                    + "upserts and deletes by key. Add a primary key to the source table or leave it out");
        }
        String name = source.table().table();
        String qualified = Sql.qualified(schema, name);
        if (createTables) {
            try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
                lock.setString(1, qualified);
                lock.execute();
            }
            try (Statement st = c.createStatement()) {
                st.execute("CREATE SCHEMA IF NOT EXISTS " + Sql.ident(schema));
                st.execute(createTable(qualified, source));
            }
        }
        t = read(c, name);
        if (t == null) {
            throw new FerryException("target table " + schema + "." + name + " does not exist and "
                    + "sink.create-tables is false: create it, or set sink.create-tables: true");
        }
        List<Column> missing = new ArrayList<>();
        for (Column col : source.columns()) {
            if (!t.columnTypes().containsKey(col.name())) {
                missing.add(col);
            }
        }
        if (!missing.isEmpty()) {
            if (!createTables) {
                throw new FerryException("target table " + t.display() + " lacks columns " + names(missing)
                        + " and sink.create-tables is false: add them, or set sink.create-tables: true");
            }
            try (Statement st = c.createStatement()) {
                for (Column col : missing) {
                    st.execute("ALTER TABLE " + qualified + " ADD COLUMN IF NOT EXISTS " + Sql.ident(col.name())
                            + " " + TypeMapping.targetType(col.type()));
                }
            }
            t = read(c, name);
        }
        known.put(source.table(), t);
        return t;
    }

    /** Every column is nullable except the key: the source enforces its constraints, the target replicates. */
    static String createTable(String qualified, TableSchema source) {
        StringBuilder sb = new StringBuilder("CREATE TABLE IF NOT EXISTS ").append(qualified).append(" (");
        for (Column col : source.columns()) {
            sb.append(Sql.ident(col.name())).append(' ').append(TypeMapping.targetType(col.type())).append(", ");
        }
        sb.append("PRIMARY KEY (").append(Sql.identList(source.primaryKey())).append("))");
        return sb.toString();
    }

    private TargetTable read(Connection c, String name) throws SQLException {
        Map<String, String> types = new LinkedHashMap<>();
        Set<String> collatable = new HashSet<>();
        // Type modifier -1, not NULL: without a modifier, character is spelled bpchar (unbounded), whereas
        // "character" means character(1), and a cast to it would cut a char(5) value down to one letter.
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT a.attname, format_type(a.atttypid, -1), a.attcollation <> 0
                FROM pg_attribute a JOIN pg_class r ON r.oid = a.attrelid
                JOIN pg_namespace n ON n.oid = r.relnamespace
                WHERE n.nspname = ? AND r.relname = ? AND r.relkind IN ('r', 'p') AND a.attnum > 0
                  AND NOT a.attisdropped
                ORDER BY a.attnum""")) {
            ps.setString(1, schema);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    types.put(rs.getString(1), rs.getString(2));
                    if (rs.getBoolean(3)) {
                        collatable.add(rs.getString(1));
                    }
                }
            }
        }
        return types.isEmpty() ? null : new TargetTable(schema, name, Map.copyOf(types), Set.copyOf(collatable));
    }

    private static String names(List<Column> columns) {
        List<String> n = new ArrayList<>();
        for (Column c : columns) {
            n.add(c.name());
        }
        return n.toString();
    }
}
