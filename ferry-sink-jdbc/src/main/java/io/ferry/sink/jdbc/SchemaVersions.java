package io.ferry.sink.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The {@code ferry_schemas} table in the sink's namespace: per target table, the version of the source schema
 * whose shape the table holds. Written with the DDL that brings the table to that version (in the same
 * transaction where the database's DDL is transactional), so the next change is diffed from the right version.
 */
final class SchemaVersions {

    private final JdbcDialect dialect;
    private final String table;

    SchemaVersions(JdbcDialect dialect, String namespace) {
        this.dialect = dialect;
        this.table = dialect.qualified(namespace, "ferry_schemas");
    }

    void create(Statement st) throws SQLException {
        st.execute("CREATE TABLE IF NOT EXISTS " + table + " (table_name " + dialect.shortTextType()
                + " NOT NULL, version int NOT NULL, PRIMARY KEY (table_name))" + dialect.tableOptions());
    }

    /** The version {@code name} holds; -1 when none is recorded (a table created by an older Ferry, or none). */
    int read(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT version FROM " + table + " WHERE table_name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getInt(1) : -1;
            }
        }
    }

    /** Forgets the versions of these tables, in the caller's transaction. */
    void delete(Connection c, java.util.List<String> names) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE table_name = ?")) {
            for (String n : names) {
                ps.setString(1, n);
                ps.executeUpdate();
            }
        }
    }

    void write(Connection c, String name, int version) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + table + " SET version = ? WHERE table_name = ?")) {
            ps.setInt(1, version);
            ps.setString(2, name);
            if (ps.executeUpdate() == 1) {
                return;
            }
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (table_name, version) VALUES (?, ?)")) {
            ps.setString(1, name);
            ps.setInt(2, version);
            ps.executeUpdate();
        } catch (SQLException e) {
            // Another sink recorded the table meanwhile (PostgreSQL sinks serialize on the DDL lock instead).
            if (!dialect.isDuplicateKey(e)) {
                throw e;
            }
            write(c, name, version);
        }
    }
}
