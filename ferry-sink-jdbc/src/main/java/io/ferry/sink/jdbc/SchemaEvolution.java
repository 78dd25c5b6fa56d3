package io.ferry.sink.jdbc;

import io.ferry.core.Column;
import io.ferry.core.ColumnType;
import io.ferry.core.FerryException;
import io.ferry.core.TypeKind;
import io.ferry.core.schema.SchemaChangePolicy;
import io.ferry.core.schema.SchemaDiff;
import io.ferry.core.schema.TypeChange;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Brings a target table from one source schema version to the next by a {@link SchemaChangePolicy}. Every step
 * first looks at the table as it is now and does nothing when it is already done, so running the same change
 * again (after a crash between MySQL's self-committing DDL and the version update) converges.
 */
final class SchemaEvolution {

    /**
     * The kinds of the target types a widening may already cover, by the catalog's spelling. A type not listed is
     * never taken to cover anything: the change is then applied, which is always safe for a widening.
     */
    private static final Map<Pattern, TypeKind> TARGET_KINDS = new LinkedHashMap<>();

    static {
        TARGET_KINDS.put(Pattern.compile("(smallint|int2|tinyint)\\b.*"), TypeKind.INT16);
        TARGET_KINDS.put(Pattern.compile("(integer|int|int4|mediumint)\\b.*"), TypeKind.INT32);
        TARGET_KINDS.put(Pattern.compile("(bigint|int8)\\b.*"), TypeKind.INT64);
        // Single precision: PostgreSQL real/float4, MySQL float without a precision above 24.
        TARGET_KINDS.put(Pattern.compile("(real|float4|float(\\((\\d|1\\d|2[0-4])\\))?)( unsigned)?"),
                TypeKind.FLOAT32);
        TARGET_KINDS.put(Pattern.compile("(double precision|float8|double|float\\(\\d+\\))( unsigned)?"),
                TypeKind.FLOAT64);
        TARGET_KINDS.put(Pattern.compile("(numeric|decimal)\\b.*"), TypeKind.DECIMAL);
        TARGET_KINDS.put(Pattern.compile(
                "(character varying|varchar|character|char|bpchar|text|tinytext|mediumtext|longtext|citext)\\b.*"),
                TypeKind.TEXT);
    }

    private final JdbcDialect dialect;

    SchemaEvolution(JdbcDialect dialect) {
        this.dialect = dialect;
    }

    /** Applies {@code diff} to {@code table} by {@code policy}; returns the table as it is afterwards. */
    TargetTable apply(Connection c, TargetTable table, SchemaDiff diff, SchemaChangePolicy policy) throws SQLException {
        if (diff.isEmpty() || policy == SchemaChangePolicy.IGNORE) {
            return table;
        }
        String where = "table " + table.display() + " (source " + diff.to().table() + ")";
        if (policy == SchemaChangePolicy.STOP) {
            throw new FerryException(where + " changed at the source and sink.schema-changes is stop for it: "
                    + diff.describe() + ". Change the target by hand and set the policy to ignore, or use lenient"
                    + " or evolve", null, false);
        }
        boolean evolve = policy == SchemaChangePolicy.EVOLVE;
        if (!evolve) {
            for (SchemaDiff.Change change : diff.changes()) {
                if (change instanceof SchemaDiff.Retyped r && r.kind() == TypeChange.INCOMPATIBLE) {
                    throw new FerryException(where + ": column " + r.after().name() + " changed type from "
                            + r.before().type().sourceName() + " to " + r.after().type().sourceName()
                            + ", which not every value converts to; sink.schema-changes lenient does not change it."
                            + " Convert the target column by hand, or set evolve for this table", null, false);
                }
            }
        }
        List<String> newKey = diff.to().primaryKey();
        List<SchemaDiff.Dropped> drops = new ArrayList<>();
        TargetTable t = table;
        for (SchemaDiff.Change change : diff.changes()) {
            if (change instanceof SchemaDiff.Renamed r) {
                if (t.has(r.before().name()) && !t.has(r.after().name())) {
                    t = run(c, t, List.of(dialect.renameColumn(t, r.before().name(), r.after().name())));
                }
            } else if (change instanceof SchemaDiff.Retyped r) {
                TargetColumn current = t.column(r.after().name());
                if (current != null && (evolve ? r.kind() != TypeChange.WIDENING || !covers(current, r.after())
                        : r.kind() == TypeChange.WIDENING && !covers(current, r.after()))) {
                    t = run(c, t, List.of(dialect.changeType(t, current, r.after())));
                }
            } else if (change instanceof SchemaDiff.NullabilityChanged n) {
                TargetColumn current = t.column(n.after().name());
                boolean nullable = n.after().nullable();
                if (current != null && current.nullable() != nullable && !newKey.contains(n.after().name())
                        && (evolve || nullable)) {
                    t = run(c, t, List.of(dialect.changeNullability(t, current, nullable)));
                }
            } else if (change instanceof SchemaDiff.Added a) {
                if (!t.has(a.column().name())) {
                    t = run(c, t, List.of(dialect.addColumn(t, a.column())));
                }
            } else if (change instanceof SchemaDiff.KeyChanged) {
                if (!t.keyIs(newKey)) {
                    List<Column> key = new ArrayList<>();
                    for (String k : newKey) {
                        key.add(diff.to().columns().get(diff.to().indexOf(k)));
                    }
                    t = run(c, t, dialect.replaceKey(t, key));
                }
            } else if (change instanceof SchemaDiff.Dropped d) {
                drops.add(d);
            }
        }
        // Last, so that a dropped key column has left the key first.
        for (SchemaDiff.Dropped d : drops) {
            TargetColumn current = t.column(d.column().name());
            if (current == null || diff.to().indexOf(current.name()) >= 0) {
                continue;
            }
            if (evolve) {
                t = run(c, t, List.of(dialect.dropColumn(t, current.name())));
            } else if (!current.nullable()) {
                t = run(c, t, List.of(dialect.changeNullability(t, current, true)));
            }
        }
        return t;
    }

    /** Adds the columns {@code t} lacks (a table whose version is not recorded: only names can be compared). */
    TargetTable addMissing(Connection c, TargetTable t, List<Column> missing) throws SQLException {
        for (Column col : missing) {
            if (!t.has(col.name())) {
                t = run(c, t, List.of(dialect.addColumn(t, col)));
            }
        }
        return t;
    }

    private TargetTable run(Connection c, TargetTable t, List<String> statements) throws SQLException {
        try (Statement st = c.createStatement()) {
            for (String sql : statements) {
                st.execute(sql);
            }
        }
        return dialect.readTable(c, t.namespace(), t.name());
    }

    /** Whether every value of {@code wanted}'s type is already a value of the target column's type. */
    private static boolean covers(TargetColumn current, Column wanted) {
        String type = current.type().toLowerCase(Locale.ROOT).trim();
        TypeKind kind = null;
        for (Map.Entry<Pattern, TypeKind> e : TARGET_KINDS.entrySet()) {
            if (e.getKey().matcher(type).matches()) {
                kind = e.getValue();
                break;
            }
        }
        if (kind == null || kind != wanted.type().kind() && !(isInteger(kind) && isInteger(wanted.type().kind()))
                && kind != TypeKind.TEXT && kind != TypeKind.DECIMAL) {
            return false;
        }
        return TypeChange.of(wanted.type(), ColumnType.of(kind, current.type())) == TypeChange.WIDENING;
    }

    private static boolean isInteger(TypeKind kind) {
        return kind == TypeKind.INT16 || kind == TypeKind.INT32 || kind == TypeKind.INT64;
    }
}
