package io.ferry.sink.jdbc;

import io.ferry.core.Column;
import io.ferry.core.FerryException;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.schema.SchemaChangePolicy;
import io.ferry.core.schema.SchemaChanges;
import io.ferry.core.schema.SchemaDiff;
import io.ferry.core.schema.SchemaHistory;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The target tables a sink writes to, {@code <namespace>.<source table name>}: creates them, brings them to
 * newer schema versions by the table's schema-change policy and records the version each holds, and remembers
 * how each schema version's rows land so that a version already seen costs no query. DDL runs in the caller's
 * transaction (which commits it, or, on PostgreSQL, rolls it back).
 */
final class TargetCatalog {

    private final JdbcDialect dialect;
    private final String namespace;
    private final boolean createTables;
    private final SchemaChanges policies;
    private final SchemaVersions versions;
    private final SchemaEvolution evolution;
    private final Map<TableSchema, WriteShape> known = new HashMap<>();
    /** Per table, the schema version whose shape the target holds, where this sink saw it. */
    private final Map<TableId, TableSchema> held = new HashMap<>();

    TargetCatalog(JdbcDialect dialect, String namespace, boolean createTables, SchemaChanges policies,
                  SchemaVersions versions) {
        this.dialect = dialect;
        this.namespace = namespace;
        this.createTables = createTables;
        this.policies = policies;
        this.versions = versions;
        this.evolution = new SchemaEvolution(dialect);
    }

    /** How rows of {@code source} land; null when the target must be looked at (or changed) first. */
    WriteShape cached(TableSchema source) {
        return known.get(source);
    }

    /** Forgets what this catalog knew, after a rollback of its DDL or a lost connection. */
    void forget() {
        known.clear();
        held.clear();
    }

    /** {@code namespace.table} unquoted, for messages. */
    String display(TableId table) {
        return namespace + "." + table.table();
    }

    WriteShape ensure(Connection c, TableSchema source, SchemaHistory history) throws SQLException {
        WriteShape shape = cached(source);
        if (shape != null) {
            return shape;
        }
        String name = source.table().table();
        String qualified = dialect.qualified(namespace, name);
        if (createTables) {
            dialect.lockForDdl(c, qualified);
        }
        TargetTable t = dialect.readTable(c, namespace, name);
        int stored = versions.read(c, name);
        SchemaChangePolicy policy = policies.policyFor(source.table());
        TableSchema newest = source;
        if (t == null) {
            if (!createTables) {
                throw new FerryException("target table " + display(source.table()) + " does not exist and "
                        + "sink.create-tables is false: create it, or set sink.create-tables: true");
            }
            try (Statement st = c.createStatement()) {
                st.execute(dialect.createTable(qualified, source));
            }
            versions.write(c, name, source.version());
            t = dialect.readTable(c, namespace, name);
        } else if (stored > source.version()) {
            // Rows written before the target's version: they land by that version's column names.
            TableSchema seen = held.get(source.table());
            newest = history.version(source.table(), stored)
                    .orElse(seen != null && seen.version() == stored ? seen : source);
        } else if (stored < source.version()) {
            TableSchema previous = stored < 0 ? null : history.version(source.table(), stored).orElse(null);
            t = change(c, t, previous, source, policy);
            if (policy != SchemaChangePolicy.IGNORE) {
                versions.write(c, name, source.version());
            }
            // The table changed: how earlier versions' rows land is to be worked out again.
            known.keySet().removeIf(s -> s.table().equals(source.table()));
        }
        if (newest == source && stored <= source.version()) {
            held.put(source.table(), source);
        }
        shape = WriteShape.of(source, t, newest);
        known.put(source, shape);
        return shape;
    }

    private TargetTable change(Connection c, TargetTable t, TableSchema previous, TableSchema source,
                               SchemaChangePolicy policy) throws SQLException {
        if (previous != null && createTables) {
            return evolution.apply(c, t, SchemaDiff.between(previous, source), policy);
        }
        // Without the version the target holds, only names can be compared: columns it lacks are added.
        List<Column> missing = new ArrayList<>();
        for (Column col : source.columns()) {
            if (!t.has(col.name())) {
                missing.add(col);
            }
        }
        if (missing.isEmpty() || policy == SchemaChangePolicy.IGNORE) {
            return t;
        }
        if (policy == SchemaChangePolicy.STOP) {
            throw new FerryException("table " + t.display() + " (source " + source.table() + ") lacks columns "
                    + names(missing) + " of the source and sink.schema-changes is stop for it", null, false);
        }
        if (!createTables) {
            throw new FerryException("target table " + t.display() + " lacks columns " + names(missing)
                    + " and sink.create-tables is false: add them, or set sink.create-tables: true");
        }
        return evolution.addMissing(c, t, missing);
    }

    private static String names(List<Column> columns) {
        List<String> n = new ArrayList<>();
        for (Column c : columns) {
            n.add(c.name());
        }
        return n.toString();
    }
}
