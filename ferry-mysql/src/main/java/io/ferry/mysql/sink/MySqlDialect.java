package io.ferry.mysql.sink;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Column;
import io.ferry.core.ColumnType;
import io.ferry.core.FerryException;
import io.ferry.core.LoginRefusedException;
import io.ferry.core.TableSchema;
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
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * MySQL and MariaDB as a {@link io.ferry.sink.jdbc.JdbcSink} target (MariaDB Connector/J, which speaks to MySQL
 * too): tables in {@code `<sink.database>`} ({@code sink.schema} is not used: in MySQL a schema is a database),
 * identifiers backquoted, DDL committing around itself. Sessions run in UTC, utf8mb4 and strict SQL mode, so a
 * value a column cannot hold is an error, never truncated or zeroed.
 */
public final class MySqlDialect implements JdbcDialect {

    private static final String SQL_MODE = "STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
            + "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,NO_AUTO_VALUE_ON_ZERO";
    /** Server errors that mean the session is gone: killed, shut down, gone away, lost. */
    private static final Set<Integer> SESSION_GONE = Set.of(1053, 1927, 2006, 2013, 4031);
    /** Deadlock and lock wait timeout: the transaction may succeed when run again. */
    private static final Set<Integer> RETRY_TRANSACTION = Set.of(1205, 1213);
    private static final int DUPLICATE_KEY = 1062;
    private static final Set<String> UNINDEXABLE_TEXT = Set.of("tinytext", "text", "mediumtext", "longtext", "json");
    private static final Set<String> UNINDEXABLE_BYTES = Set.of("tinyblob", "blob", "mediumblob", "longblob");

    private String collation = "utf8mb4_bin";
    private boolean mariaDb;

    static String ident(String name) {
        return '`' + name.replace("`", "``") + '`';
    }

    static String identList(List<String> names) {
        return names.stream().map(MySqlDialect::ident).collect(Collectors.joining(", "));
    }

    @Override
    public String product() {
        return "MySQL";
    }

    /**
     * A named lock of the session: MySQL commits around every DDL statement, so no transaction can hold appliers of
     * different partitions apart while one brings the table to a new version and records it.
     */
    @Override
    public void lockForDdl(Connection c, String qualified) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT GET_LOCK(?, 120)")) {
            ps.setString(1, ddlLockName(qualified));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || rs.getInt(1) != 1) {
                    throw new java.sql.SQLTransientException("waited 120 s for another applier's DDL on " + qualified);
                }
            }
        }
    }

    @Override
    public void unlockAfterDdl(Connection c, String qualified) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DO RELEASE_LOCK(?)")) {
            ps.setString(1, ddlLockName(qualified));
            ps.execute();
        }
    }

    /** Lock names are at most 64 characters; two tables sharing one only wait for each other's DDL. */
    private static String ddlLockName(String qualified) {
        return "ferry_ddl_" + Integer.toHexString(qualified.hashCode());
    }

    @Override
    public int defaultPort() {
        return 3306;
    }

    @Override
    public String namespace(SinkConfig config) {
        return config.database();
    }

    @Override
    public Connection open(SinkConfig config, String host, int port, Properties props) throws SQLException {
        props.setProperty("connectTimeout", "10000");
        props.setProperty("tcpKeepAlive", "true");
        // MySQL 8 logins default to caching_sha2_password, whose first login after a server restart needs the
        // server's RSA key when the connection is not TLS.
        props.setProperty("allowPublicKeyRetrieval", "true");
        // Update counts are matched rows, so an offset check-and-set that writes the same value counts 1.
        props.setProperty("useAffectedRows", "false");
        props.setProperty("connectionAttributes", "program_name:ferry-sink");
        Connection c = DriverManager.getConnection("jdbc:mariadb://" + host + ":" + port + "/" + config.database(),
                props);
        try (Statement st = c.createStatement()) {
            st.execute("SET NAMES utf8mb4");
            st.execute("SET time_zone = '+00:00', sql_mode = '" + SQL_MODE + "'");
            collation = exactCollation(st);
            mariaDb = c.getMetaData().getDatabaseProductVersion().contains("MariaDB");
            return c;
        } catch (SQLException e) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // the connection failed while being set up; it is thrown away
            }
            throw e;
        }
    }

    /**
     * The exact, no-pad binary utf8mb4 collation of the server (MariaDB {@code utf8mb4_nopad_bin}, MySQL 8
     * {@code utf8mb4_0900_bin}): text keys then compare as Java strings do, trailing spaces included. MariaDB
     * also knows {@code utf8mb4_0900_bin}, as a pad-space alias, hence the order.
     */
    private static String exactCollation(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT COLLATION_NAME FROM information_schema.COLLATIONS"
                + " WHERE COLLATION_NAME IN ('utf8mb4_0900_bin', 'utf8mb4_nopad_bin') ORDER BY COLLATION_NAME DESC")) {
            return rs.next() ? rs.getString(1) : "utf8mb4_bin";
        }
    }

    @Override
    public FerryException connectFailure(String target, String user, String database, SQLException e) {
        int code = e.getErrorCode();
        String login = user + "@" + database;
        if (code == 1045 || code == 1044 || code == 1698) {
            return new LoginRefusedException("MySQL target " + target + " refused the login " + login + ": "
                    + e.getMessage() + ". Check sink.user and sink.password", user, target, e.getMessage(), e);
        }
        if (code == 1049) {
            return new LoginRefusedException("MySQL target " + target + " has no database " + database
                    + " (login " + login + "): create it or fix sink.database", user, target,
                    "no database " + database, e);
        }
        return new FerryException("cannot connect to MySQL target " + target + " as " + login + ": "
                + e.getMessage(), e, isLost(e) || e.getSQLState() == null);
    }

    @Override
    public boolean isLost(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        return e instanceof SQLNonTransientConnectionException || e instanceof SQLTransientConnectionException
                || state.startsWith("08") || SESSION_GONE.contains(e.getErrorCode());
    }

    @Override
    public boolean isRetryableTransaction(SQLException e) {
        return RETRY_TRANSACTION.contains(e.getErrorCode());
    }

    @Override
    public boolean isDuplicateKey(SQLException e) {
        return e.getErrorCode() == DUPLICATE_KEY;
    }

    @Override
    public String quote(String name) {
        return ident(name);
    }

    @Override
    public List<String> createNamespace(String namespace) {
        return List.of();
    }

    @Override
    public String tableOptions() {
        return " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=" + collation;
    }

    @Override
    public String shortTextType() {
        return "varchar(255)";
    }

    @Override
    public TargetTable readTable(Connection c, String namespace, String name) throws SQLException {
        List<TargetColumn> columns = new ArrayList<>();
        List<String> key = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE = 'YES'"
                + " FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION")) {
            ps.setString(1, namespace);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String type = rs.getString(2);
                    columns.add(new TargetColumn(rs.getString(1), type, type, rs.getBoolean(3)));
                }
            }
        }
        if (columns.isEmpty()) {
            return null;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE"
                + " WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION")) {
            ps.setString(1, namespace);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    key.add(rs.getString(1));
                }
            }
        }
        return new TargetTable(namespace, name, ident(namespace) + "." + ident(name), columns, key,
                key.isEmpty() ? null : "PRIMARY", true);
    }

    /**
     * Key columns are {@code NOT NULL}; every other column is explicitly {@code NULL}, so that no MySQL version
     * gives a timestamp column an automatic default.
     */
    @Override
    public String createTable(String qualified, TableSchema schema) {
        List<String> parts = new ArrayList<>();
        for (Column col : schema.columns()) {
            boolean key = schema.primaryKey().contains(col.name());
            parts.add(ident(col.name()) + " " + TypeMapping.targetType(col.type(), key) + (key ? " NOT NULL" : " NULL"));
        }
        if (!schema.primaryKey().isEmpty()) {
            parts.add("PRIMARY KEY (" + identList(schema.primaryKey()) + ")");
        }
        return "CREATE TABLE IF NOT EXISTS " + qualified + " (" + String.join(", ", parts) + ")" + tableOptions();
    }

    @Override
    public String addColumn(TargetTable table, Column column) {
        return "ALTER TABLE " + table.qualified() + " ADD COLUMN " + ident(column.name()) + " "
                + TypeMapping.targetType(column.type(), false) + " NULL";
    }

    @Override
    public String dropColumn(TargetTable table, String column) {
        return "ALTER TABLE " + table.qualified() + " DROP COLUMN " + ident(column);
    }

    @Override
    public String changeType(TargetTable table, TargetColumn current, Column to) {
        boolean key = table.primaryKey().stream().anyMatch(k -> k.equalsIgnoreCase(current.name()));
        return modify(table, current.name(), TypeMapping.targetType(to.type(), key), current.nullable());
    }

    @Override
    public String changeNullability(TargetTable table, TargetColumn current, boolean nullable) {
        return modify(table, current.name(), current.type(), nullable);
    }

    private static String modify(TargetTable table, String column, String type, boolean nullable) {
        return "ALTER TABLE " + table.qualified() + " MODIFY COLUMN " + ident(column) + " " + type
                + (nullable ? " NULL" : " NOT NULL");
    }

    @Override
    public List<String> replaceKey(TargetTable table, List<Column> key) {
        List<String> out = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Column k : key) {
            TargetColumn current = table.column(k.name());
            String type = current.type().toLowerCase(Locale.ROOT);
            String keyType = UNINDEXABLE_TEXT.contains(type) ? TypeMapping.TEXT_KEY
                    : UNINDEXABLE_BYTES.contains(type) ? TypeMapping.BYTES_KEY : current.type();
            out.add(modify(table, current.name(), keyType, false));
            names.add(current.name());
        }
        List<String> swap = new ArrayList<>();
        if (!table.primaryKey().isEmpty()) {
            swap.add("DROP PRIMARY KEY");
        }
        if (!names.isEmpty()) {
            swap.add("ADD PRIMARY KEY (" + identList(names) + ")");
        }
        out.add("ALTER TABLE " + table.qualified() + " " + String.join(", ", swap));
        for (String old : table.primaryKey()) {
            if (names.stream().noneMatch(old::equalsIgnoreCase)) {
                out.add(modify(table, old, table.column(old).type(), true));
            }
        }
        return out;
    }

    @Override
    public void upsert(Connection c, TargetTable table, TableSchema schema, int[] columns, List<Object[]> rows,
                       boolean bulk) throws SQLException {
        RowWriter.upsert(c, table.qualified(), schema, columns, rows);
    }

    @Override
    public void insert(Connection c, TargetTable table, TableSchema schema, List<Object[]> rows) throws SQLException {
        RowWriter.insert(c, table.qualified(), schema, rows);
    }

    @Override
    public void deleteByKey(Connection c, TargetTable table, TableSchema schema, List<Object[]> keys)
            throws SQLException {
        RowWriter.delete(c, table.qualified(), schema, keys);
    }

    /**
     * {@code DELETE ... WHERE c <=> ? ... LIMIT 1}. MySQL 8 stores {@code json} (and arrays, which land as JSON)
     * as a parsed document, so those compare with the value parsed as JSON, by meaning; MariaDB's {@code json} is
     * text, kept as written, and compares as text.
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
            TypeKind kind = col.type().kind();
            boolean json = !mariaDb && (kind == TypeKind.JSON || kind == TypeKind.ARRAY);
            where.append(where.length() > 0 ? " AND " : "").append(ident(col.name()))
                    .append(json ? " <=> CAST(? AS JSON)" : " <=> ?");
            bound.add(i);
        }
        String sql = "DELETE FROM " + table.qualified() + (where.length() > 0 ? " WHERE " + where : "") + " LIMIT 1";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int p = 1;
            for (int i : bound) {
                ValueBinder.bind(ps, p++, schema.columns().get(i), row[i]);
            }
            ps.executeUpdate();
        }
    }

    /**
     * Not TRUNCATE: MySQL commits the open transaction before a TRUNCATE, which would commit the rows and offsets
     * before it on their own. DELETE stays inside the transaction.
     */
    @Override
    public void truncate(Connection c, TargetTable table) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.executeUpdate("DELETE FROM " + table.qualified());
        }
    }

    @Override
    public String text(ColumnType type, Object value) {
        if (value instanceof byte[] b) {
            return "0x" + HexFormat.of().formatHex(b);
        }
        if (value instanceof Duration d) {
            return ValueBinder.duration(d);
        }
        return String.valueOf(value);
    }
}
