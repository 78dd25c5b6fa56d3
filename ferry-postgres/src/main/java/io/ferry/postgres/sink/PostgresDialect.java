package io.ferry.postgres.sink;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Column;
import io.ferry.core.ColumnType;
import io.ferry.core.FerryException;
import io.ferry.core.LoginRefusedException;
import io.ferry.core.TableSchema;
import io.ferry.core.TableSelector;
import io.ferry.core.TypeKind;
import io.ferry.core.config.SinkConfig;
import io.ferry.sink.jdbc.JdbcDialect;
import io.ferry.sink.jdbc.TargetColumn;
import io.ferry.sink.jdbc.TargetTable;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * PostgreSQL as a {@link io.ferry.sink.jdbc.JdbcSink} target: tables in {@code "<sink.schema>"}, identifiers
 * double-quoted, transactional DDL. Upserts go out as multi-row {@code INSERT ... ON CONFLICT}, and groups of at
 * least {@link #COPY_FROM_ROWS} rows by COPY into a staging table and one merge, or, when they are new rows (a
 * snapshot, inserts), by COPY straight into the table. Sessions use the settings the
 * tests' PgTextDecoder reads under.
 */
public final class PostgresDialect implements JdbcDialect {

    /**
     * COPY into a staging table costs a few round trips more than a multi-row INSERT, and pays off from
     * about this many rows of one table and column set (UpsertStrategyBenchmark).
     */
    static final int COPY_FROM_ROWS = 2000;

    private static final String OPTIONS = "-c IntervalStyle=iso_8601 -c TimeZone=UTC -c extra_float_digits=3"
            + " -c bytea_output=hex -c DateStyle=ISO";

    private final InsertValuesWriter values = new InsertValuesWriter();
    private final CopyText copyText = new CopyText();
    private final UpsertWriter small;
    private final UpsertWriter large;
    private final int largeFrom;
    private final int newFrom;

    public PostgresDialect() {
        this(null, null, COPY_FROM_ROWS, COPY_FROM_ROWS);
    }

    /**
     * Groups of at least {@code largeFrom} rows go to {@code large} (null: COPY and merge), smaller ones to
     * {@code small} (null: INSERT); groups of at least {@code newFrom} new rows are COPYed straight into the table.
     */
    PostgresDialect(UpsertWriter small, UpsertWriter large, int largeFrom, int newFrom) {
        this.small = small == null ? values : small;
        this.large = large == null ? new CopyMergeWriter(copyText) : large;
        this.largeFrom = largeFrom;
        this.newFrom = newFrom;
    }

    static String ident(String name) {
        return TableSelector.quote(name);
    }

    static String identList(List<String> names) {
        return names.stream().map(PostgresDialect::ident).collect(Collectors.joining(", "));
    }

    /**
     * {@code CAST(? AS <type of column>)}, without the type's modifier: the assignment to the column then refuses a
     * value it cannot hold, where a cast to {@code varchar(3)} would cut it.
     */
    static String placeholder(TargetTable target, String column) {
        return "CAST(? AS " + target.castType(column) + ")";
    }

    @Override
    public String product() {
        return "PostgreSQL";
    }

    @Override
    public int defaultPort() {
        return 5432;
    }

    @Override
    public String namespace(SinkConfig config) {
        return config.schema() == null ? "public" : config.schema();
    }

    @Override
    public Connection open(SinkConfig config, String host, int port, Properties props) throws SQLException {
        props.setProperty("ApplicationName", "ferry-sink");
        props.setProperty("options", OPTIONS);
        props.setProperty("connectTimeout", "10");
        props.setProperty("tcpKeepAlive", "true");
        return DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port + "/" + config.database(), props);
    }

    @Override
    public FerryException connectFailure(String target, String user, String database, SQLException e) {
        String state = state(e);
        String login = user + "@" + database;
        if (state.startsWith("28")) {
            return new LoginRefusedException("PostgreSQL target " + target + " refused the login " + login + ": "
                    + e.getMessage() + ". Check sink.user and sink.password", user, target, e.getMessage(), e);
        }
        if (state.equals("3D000")) {
            return new LoginRefusedException("PostgreSQL target " + target + " has no database " + database
                    + " (login " + login + "): create it or fix sink.database", user, target,
                    "no database " + database, e);
        }
        boolean transientState = state.isEmpty() || state.startsWith("08") || state.startsWith("57P")
                || state.startsWith("53");
        return new FerryException("cannot connect to PostgreSQL target " + target + " as " + login + ": "
                + e.getMessage(), e, transientState);
    }

    @Override
    public boolean isLost(SQLException e) {
        return state(e).startsWith("08") || state(e).startsWith("57P");
    }

    @Override
    public boolean isRetryableTransaction(SQLException e) {
        return state(e).equals("40001") || state(e).equals("40P01");
    }

    @Override
    public boolean isDuplicateKey(SQLException e) {
        return state(e).equals("23505");
    }

    private static String state(SQLException e) {
        return e.getSQLState() == null ? "" : e.getSQLState();
    }

    @Override
    public String quote(String name) {
        return ident(name);
    }

    @Override
    public List<String> createNamespace(String namespace) {
        return List.of("CREATE SCHEMA IF NOT EXISTS " + ident(namespace));
    }

    @Override
    public String tableOptions() {
        return "";
    }

    @Override
    public String shortTextType() {
        return "text";
    }

    @Override
    public void lockForDdl(Connection c, String qualified) throws SQLException {
        try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
            lock.setString(1, qualified);
            lock.execute();
        }
    }

    @Override
    public TargetTable readTable(Connection c, String namespace, String name) throws SQLException {
        List<TargetColumn> columns = new ArrayList<>();
        // Type modifier -1 for casts, not NULL: without a modifier, character is spelled bpchar (unbounded),
        // whereas "character" means character(1), and a cast to it would cut a char(5) value down to one letter.
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT a.attname, format_type(a.atttypid, a.atttypmod), format_type(a.atttypid, -1), NOT a.attnotnull
                FROM pg_attribute a JOIN pg_class r ON r.oid = a.attrelid
                JOIN pg_namespace n ON n.oid = r.relnamespace
                WHERE n.nspname = ? AND r.relname = ? AND r.relkind IN ('r', 'p') AND a.attnum > 0
                  AND NOT a.attisdropped
                ORDER BY a.attnum""")) {
            ps.setString(1, namespace);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(new TargetColumn(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBoolean(4)));
                }
            }
        }
        if (columns.isEmpty()) {
            return null;
        }
        List<String> key = new ArrayList<>();
        String keyName = null;
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT k.conname, a.attname
                FROM pg_constraint k JOIN pg_class r ON r.oid = k.conrelid
                JOIN pg_namespace n ON n.oid = r.relnamespace
                CROSS JOIN LATERAL unnest(k.conkey) WITH ORDINALITY AS u(attnum, ord)
                JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum = u.attnum
                WHERE n.nspname = ? AND r.relname = ? AND k.contype = 'p'
                ORDER BY u.ord""")) {
            ps.setString(1, namespace);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    keyName = rs.getString(1);
                    key.add(rs.getString(2));
                }
            }
        }
        return new TargetTable(namespace, name, ident(namespace) + "." + ident(name), columns, key, keyName, false);
    }

    @Override
    public String createTable(String qualified, TableSchema schema) {
        List<String> parts = new ArrayList<>();
        for (Column col : schema.columns()) {
            parts.add(ident(col.name()) + " " + TypeMapping.targetType(col.type()));
        }
        if (!schema.primaryKey().isEmpty()) {
            parts.add("PRIMARY KEY (" + identList(schema.primaryKey()) + ")");
        }
        return "CREATE TABLE IF NOT EXISTS " + qualified + " (" + String.join(", ", parts) + ")";
    }

    @Override
    public String addColumn(TargetTable table, Column column) {
        return "ALTER TABLE " + table.qualified() + " ADD COLUMN IF NOT EXISTS " + ident(column.name()) + " "
                + TypeMapping.targetType(column.type());
    }

    @Override
    public String dropColumn(TargetTable table, String column) {
        return "ALTER TABLE " + table.qualified() + " DROP COLUMN IF EXISTS " + ident(column);
    }

    /**
     * The cast goes to the new type without its modifier, then the assignment to the column to the full type, so
     * a value the new type cannot hold (too long, too many digits) fails the change instead of being cut.
     */
    @Override
    public String changeType(TargetTable table, TargetColumn current, Column to) {
        String type = TypeMapping.targetType(to.type());
        String bare = type.replaceAll("\\(\\s*\\d+\\s*(,\\s*-?\\d+\\s*)?\\)", "");
        return "ALTER TABLE " + table.qualified() + " ALTER COLUMN " + ident(current.name()) + " TYPE " + type
                + " USING CAST(" + ident(current.name()) + " AS " + bare + ")";
    }

    @Override
    public String changeNullability(TargetTable table, TargetColumn current, boolean nullable) {
        return "ALTER TABLE " + table.qualified() + " ALTER COLUMN " + ident(current.name())
                + (nullable ? " DROP NOT NULL" : " SET NOT NULL");
    }

    @Override
    public List<String> replaceKey(TargetTable table, List<Column> key) {
        List<String> out = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Column k : key) {
            names.add(k.name());
        }
        if (table.keyName() != null) {
            out.add("ALTER TABLE " + table.qualified() + " DROP CONSTRAINT " + ident(table.keyName()));
        }
        for (String old : table.primaryKey()) {
            if (!names.contains(old)) {
                out.add("ALTER TABLE " + table.qualified() + " ALTER COLUMN " + ident(old) + " DROP NOT NULL");
            }
        }
        if (!names.isEmpty()) {
            out.add("ALTER TABLE " + table.qualified() + " ADD PRIMARY KEY (" + identList(names) + ")");
        }
        return out;
    }

    @Override
    public void upsert(Connection c, TargetTable table, TableSchema schema, int[] columns, List<Object[]> rows,
                       boolean bulk) throws SQLException {
        UpsertWriter writer = bulk && rows.size() >= largeFrom ? large : small;
        writer.upsert(c, table, schema, columns, rows);
    }

    @Override
    public int insertNewFrom() {
        return newFrom;
    }

    /** COPY straight into the table: no staging table, no merge; a key the table holds fails it with 23505. */
    @Override
    public void insertNew(Connection c, TargetTable table, TableSchema schema, int[] columns, List<Object[]> rows)
            throws SQLException {
        StringBuilder sql = new StringBuilder("COPY ").append(table.qualified()).append(" (");
        for (int i = 0; i < columns.length; i++) {
            sql.append(i > 0 ? ", " : "").append(ident(schema.columns().get(columns[i]).name()));
        }
        copyText.copy(c, sql.append(") FROM STDIN").toString(), schema, columns, rows);
    }

    @Override
    public void insert(Connection c, TargetTable table, TableSchema schema, List<Object[]> rows) throws SQLException {
        values.insert(c, table, schema, rows);
    }

    @Override
    public void deleteByKey(Connection c, TargetTable table, TableSchema schema, List<Object[]> keys)
            throws SQLException {
        KeyDeletes.delete(c, table, schema, keys);
    }

    /**
     * By the row's physical address ({@code ctid}) of the first match. Columns of types without an equality
     * operator ({@code json}, {@code point}, arrays of them) are compared by their text form, which for
     * {@code json} is the document as written.
     */
    @Override
    public void deleteOne(Connection c, TargetTable table, TableSchema schema, Object[] row) throws SQLException {
        StringBuilder where = new StringBuilder();
        List<Integer> bound = new ArrayList<>();
        for (int i = 0; i < row.length; i++) {
            if (row[i] == ChangeEvent.UNCHANGED) {
                continue;
            }
            Column col = schema.columns().get(i);
            String name = ident(col.name());
            where.append(where.length() > 0 ? " AND " : "");
            if (row[i] == null) {
                where.append(name).append(" IS NULL");
                continue;
            }
            if (comparedAsText(col.type())) {
                where.append(name).append("::text = CAST(").append(placeholder(table, col.name())).append(" AS text)");
            } else {
                where.append(name).append(" = ").append(placeholder(table, col.name()));
            }
            bound.add(i);
        }
        String sql = "DELETE FROM " + table.qualified() + " WHERE ctid = (SELECT ctid FROM " + table.qualified()
                + (where.length() > 0 ? " WHERE " + where : "") + " LIMIT 1)";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int p = 1;
            for (int i : bound) {
                ValueBinder.bind(ps, p++, schema.columns().get(i).type(), row[i]);
            }
            ps.executeUpdate();
        }
    }

    private static boolean comparedAsText(ColumnType type) {
        ColumnType t = type;
        while (t.kind() == TypeKind.ARRAY) {
            t = t.element();
        }
        return t.kind() == TypeKind.JSON || t.kind() == TypeKind.UNKNOWN;
    }

    @Override
    public void truncate(Connection c, TargetTable table) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("TRUNCATE " + table.qualified());
        }
    }

    @Override
    public void checkEachStatement(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SET CONSTRAINTS ALL IMMEDIATE");
        }
    }

    @Override
    public String text(ColumnType type, Object value) {
        return PgText.encode(type, value);
    }

    @Override
    public void reset() {
        large.reset();
        small.reset();
    }

    @Override
    public void committed() {
        large.committed();
        small.committed();
    }
}
