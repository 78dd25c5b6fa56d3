package io.ferry.mysql.sink;

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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The target tables Ferry writes to, {@code `<sink database>`.`<source table name>`}: creates them and adds
 * columns of newer schema versions (when allowed), and remembers what exists so that a schema already seen
 * costs no query. MySQL commits around every DDL statement, so the caller runs this outside the transaction
 * of any rows.
 */
final class TargetCatalog {

    private static final int DUPLICATE_COLUMN = 1060;

    private final String database;
    private final boolean createTables;
    /** Per table, its column names lower-cased: MySQL column names are case-insensitive. */
    private final Map<TableId, Set<String>> known = new HashMap<>();

    TargetCatalog(String database, boolean createTables) {
        this.database = database;
        this.createTables = createTables;
    }

    /** Whether the target table is known to have every column of {@code source}. */
    boolean cached(TableSchema source) {
        Set<String> columns = known.get(source.table());
        return columns != null && hasAll(columns, source);
    }

    /** Forgets what this catalog knew, after failed DDL or a lost connection. */
    void forget() {
        known.clear();
    }

    String qualified(TableSchema source) {
        return Sql.qualified(database, source.table().table());
    }

    /** {@code database.table} unquoted, for messages. */
    String display(TableSchema source) {
        return database + "." + source.table().table();
    }

    void ensure(Connection c, TableSchema source, String collation) throws SQLException {
        if (cached(source)) {
            return;
        }
        if (source.primaryKey().isEmpty()) {
            throw new FerryException("table " + source.table() + " has no primary key; the MySQL sink "
                    + "upserts and deletes by key. Add a primary key to the source table or leave it out");
        }
        String name = source.table().table();
        if (createTables) {
            try (Statement st = c.createStatement()) {
                st.execute(createTable(qualified(source), source, collation));
            }
        }
        Set<String> columns = read(c, name);
        if (columns.isEmpty()) {
            throw new FerryException("target table " + display(source) + " does not exist and "
                    + "sink.create-tables is false: create it, or set sink.create-tables: true");
        }
        List<Column> missing = new ArrayList<>();
        for (Column col : source.columns()) {
            if (!columns.contains(col.name().toLowerCase(Locale.ROOT))) {
                missing.add(col);
            }
        }
        if (!missing.isEmpty()) {
            if (!createTables) {
                throw new FerryException("target table " + display(source) + " lacks columns " + names(missing)
                        + " and sink.create-tables is false: add them, or set sink.create-tables: true");
            }
            try (Statement st = c.createStatement()) {
                for (Column col : missing) {
                    addColumn(st, qualified(source), col);
                }
            }
            columns = read(c, name);
        }
        known.put(source.table(), columns);
    }

    /** MySQL 8 has no {@code ADD COLUMN IF NOT EXISTS}: a column another applier just added is fine. */
    private static void addColumn(Statement st, String qualified, Column col) throws SQLException {
        try {
            st.execute("ALTER TABLE " + qualified + " ADD COLUMN " + Sql.ident(col.name()) + " "
                    + TypeMapping.targetType(col.type(), false) + " NULL");
        } catch (SQLException e) {
            if (e.getErrorCode() != DUPLICATE_COLUMN) {
                throw e;
            }
        }
    }

    /**
     * Every column is nullable except the key: the source enforces its constraints, the target replicates.
     * {@code NULL} is explicit so that no MySQL version gives a timestamp column an automatic default.
     */
    static String createTable(String qualified, TableSchema source, String collation) {
        StringBuilder sb = new StringBuilder("CREATE TABLE IF NOT EXISTS ").append(qualified).append(" (");
        for (Column col : source.columns()) {
            boolean key = source.primaryKey().contains(col.name());
            sb.append(Sql.ident(col.name())).append(' ').append(TypeMapping.targetType(col.type(), key))
                    .append(key ? " NOT NULL" : " NULL").append(", ");
        }
        sb.append("PRIMARY KEY (").append(Sql.identList(source.primaryKey())).append("))")
                .append(" ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=").append(collation);
        return sb.toString();
    }

    private Set<String> read(Connection c, String name) throws SQLException {
        Set<String> columns = new TreeSet<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT COLUMN_NAME FROM information_schema.COLUMNS"
                + " WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?")) {
            ps.setString(1, database);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(rs.getString(1).toLowerCase(Locale.ROOT));
                }
            }
        }
        return columns;
    }

    private static boolean hasAll(Set<String> columns, TableSchema source) {
        for (String c : source.columnNames()) {
            if (!columns.contains(c.toLowerCase(Locale.ROOT))) {
                return false;
            }
        }
        return true;
    }

    private static String names(List<Column> columns) {
        List<String> n = new ArrayList<>();
        for (Column c : columns) {
            n.add(c.name());
        }
        return n.toString();
    }
}
