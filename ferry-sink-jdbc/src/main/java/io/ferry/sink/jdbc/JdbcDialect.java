package io.ferry.sink.jdbc;

import io.ferry.core.Column;
import io.ferry.core.ColumnType;
import io.ferry.core.FerryException;
import io.ferry.core.TableSchema;
import io.ferry.core.config.SinkConfig;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;

/**
 * What {@link JdbcSink} needs to know of one database: how to connect and classify its errors, how to spell
 * identifiers, types and DDL, how to read its catalog, and how to write rows fast. One instance per sink (it
 * may keep per-connection state, such as staging tables); called from the sink's one thread only.
 *
 * <p>Row writers run in the caller's transaction and never commit. DDL statements are returned as text and run by
 * the sink in its transaction: PostgreSQL rolls them back with it, MySQL commits around each, which is why the sink
 * looks at the table before every step. Column types follow the dialect's own type mapping.
 */
public interface JdbcDialect {

    /** The database's name in messages, e.g. {@code PostgreSQL}. */
    String product();

    /** The port when {@code sink.port} is not set. */
    int defaultPort();

    /** The schema (PostgreSQL) or database (MySQL) the sink's tables, offsets and schema versions live in. */
    String namespace(SinkConfig config);

    /** Opens a connection to {@code host} and {@code port} as the login and sets up its session. */
    Connection open(SinkConfig config, String host, int port, Properties credentials) throws SQLException;

    /**
     * A failure to connect as one line saying what to fix; retriable when trying again may help. A refused login or
     * a missing database is a {@link io.ferry.core.LoginRefusedException}.
     */
    FerryException connectFailure(String target, String user, String database, SQLException e);

    /** Whether {@code e} means the session is gone. */
    boolean isLost(SQLException e);

    /** Whether the transaction failed for a reason that running it again may not meet (deadlock, serialization). */
    boolean isRetryableTransaction(SQLException e);

    /** Whether {@code e} is a unique-key violation. */
    boolean isDuplicateKey(SQLException e);

    /** {@code name} quoted, so that it keeps its exact spelling. */
    String quote(String name);

    default String qualified(String namespace, String table) {
        return quote(namespace) + '.' + quote(table);
    }

    /** The statements that make {@code namespace} exist, if the database needs any. */
    List<String> createNamespace(String namespace);

    /** Options appended to every CREATE TABLE (engine, character set). */
    String tableOptions();

    /** A column type for short text keys of Ferry's own tables. */
    String shortTextType();

    /**
     * Serializes DDL on {@code qualified} with other sinks in the caller's transaction, where concurrent
     * {@code CREATE TABLE IF NOT EXISTS} would otherwise collide.
     */
    default void lockForDdl(Connection c, String qualified) throws SQLException {
    }

    /**
     * Releases what {@link #lockForDdl} took, after the caller's transaction ended; for databases whose lock outlives
     * a transaction (MySQL commits around each DDL statement, so its lock is the session's). Harmless when not held.
     */
    default void unlockAfterDdl(Connection c, String qualified) throws SQLException {
    }

    /** The table as the target's catalog describes it; null when it does not exist. */
    TargetTable readTable(Connection c, String namespace, String name) throws SQLException;

    /**
     * {@code CREATE TABLE IF NOT EXISTS}: every column nullable except the key (the source enforces its
     * constraints, the target replicates); no primary key when the schema has none.
     */
    String createTable(String qualified, TableSchema schema);

    String addColumn(TargetTable table, Column column);

    String dropColumn(TargetTable table, String column);

    /** Standard SQL, which PostgreSQL, MySQL 8 and MariaDB 10.5+ all take. */
    default String renameColumn(TargetTable table, String from, String to) {
        return "ALTER TABLE " + table.qualified() + " RENAME COLUMN " + quote(from) + " TO " + quote(to);
    }

    /** Changes {@code current}'s type to {@code to}'s (converting the values), keeping its name and nullability. */
    String changeType(TargetTable table, TargetColumn current, Column to);

    String changeNullability(TargetTable table, TargetColumn current, boolean nullable);

    /**
     * Replaces the table's primary key (if any) by {@code key} (none when empty); columns leaving the key
     * become nullable, columns joining it get a type the database can index.
     */
    List<String> replaceKey(TargetTable table, List<Column> key);

    /**
     * Inserts each row, or updates the existing row with the same key, writing only {@code columns}.
     *
     * @param columns indexes (into the schema's columns) of the columns present in every row, key included
     * @param rows    row images aligned with the schema's columns; keys are distinct
     * @param bulk    false while the sink looks for the one row the target refuses: then plain statements
     */
    void upsert(Connection c, TargetTable table, TableSchema schema, int[] columns, List<Object[]> rows, boolean bulk)
            throws SQLException;

    /** The fewest rows for which {@link #insertNew} is faster than {@link #upsert}; MAX_VALUE when it never is. */
    default int insertNewFrom() {
        return Integer.MAX_VALUE;
    }

    /**
     * Inserts rows whose keys the table most likely lacks (snapshot reads, inserts) by the fastest way the database
     * has, without conflict handling: a key the table holds fails it with a duplicate-key error, and the sink then
     * rolls back to a savepoint and upserts the rows instead.
     */
    default void insertNew(Connection c, TargetTable table, TableSchema schema, int[] columns, List<Object[]> rows)
            throws SQLException {
        upsert(c, table, schema, columns, rows, true);
    }

    /** Inserts the rows as they are (a table without a primary key). */
    void insert(Connection c, TargetTable table, TableSchema schema, List<Object[]> rows) throws SQLException;

    /** Deletes the rows with these key values (in primary-key order). */
    void deleteByKey(Connection c, TargetTable table, TableSchema schema, List<Object[]> keys) throws SQLException;

    /**
     * Deletes one row equal to {@code row} in every column (NULL equal to NULL); a slot holding
     * {@link io.ferry.core.ChangeEvent#UNCHANGED} is not compared. Deletes nothing when no row matches.
     */
    void deleteOne(Connection c, TargetTable table, TableSchema schema, Object[] row) throws SQLException;

    /** Empties the table inside the caller's transaction. */
    void truncate(Connection c, TargetTable table) throws SQLException;

    /** Makes every constraint checked per statement, so the first failing statement is the refused one. */
    default void checkEachStatement(Connection c) throws SQLException {
    }

    /** A value as people read it in messages. */
    String text(ColumnType type, Object value);

    /** Forgets what it made on the current connection, after a rollback or on a new connection. */
    default void reset() {
    }

    /** The transaction it wrote in has committed. */
    default void committed() {
    }
}
