package io.ferry.core.schema;

import io.ferry.core.Column;
import io.ferry.core.TableSchema;
import java.util.ArrayList;
import java.util.List;

/**
 * What changed between two versions of a table. Columns are matched by {@link Column#id()} where both versions
 * carry one (so a rename is a rename, not a drop and an add), else by name.
 *
 * @param changes in the order a target applies them: renames, drops, retypes, nullability, adds, then the key
 */
public record SchemaDiff(TableSchema from, TableSchema to, List<Change> changes) {

    public SchemaDiff {
        changes = List.copyOf(changes);
    }

    /** One change of a table's shape. */
    public sealed interface Change {
        /** One line for messages, e.g. {@code column v: varchar(50) -> varchar(200) (widening)}. */
        String describe();
    }

    public record Added(Column column) implements Change {
        public String describe() {
            return "column " + column.name() + " added (" + column.type().sourceName() + ")";
        }
    }

    public record Dropped(Column column) implements Change {
        public String describe() {
            return "column " + column.name() + " dropped (was " + column.type().sourceName() + ")";
        }
    }

    public record Renamed(Column before, Column after) implements Change {
        public String describe() {
            return "column " + before.name() + " renamed to " + after.name();
        }
    }

    /** A column's type changed; {@code widening} when every old value is exactly a value of the new type. */
    public record Retyped(Column before, Column after, TypeChange kind) implements Change {
        public String describe() {
            return "column " + after.name() + ": " + before.type().sourceName() + " -> " + after.type().sourceName()
                    + " (" + kind.name().toLowerCase(java.util.Locale.ROOT) + ")";
        }
    }

    public record NullabilityChanged(Column before, Column after) implements Change {
        public String describe() {
            return "column " + after.name() + (after.nullable() ? " now allows NULL" : " now NOT NULL");
        }
    }

    public record KeyChanged(List<String> before, List<String> after) implements Change {
        public String describe() {
            return "primary key " + before + " -> " + after;
        }
    }

    /** The changes that turn {@code from} into {@code to}; {@code from} null means the table is new. */
    public static SchemaDiff between(TableSchema from, TableSchema to) {
        List<Change> renames = new ArrayList<>();
        List<Change> drops = new ArrayList<>();
        List<Change> retypes = new ArrayList<>();
        List<Change> nullability = new ArrayList<>();
        List<Change> adds = new ArrayList<>();
        List<Change> key = new ArrayList<>();
        if (from == null) {
            return new SchemaDiff(null, to, List.of());
        }
        boolean[] matched = new boolean[from.columns().size()];
        for (Column after : to.columns()) {
            int i = match(from, after);
            if (i < 0 || matched[i]) {
                adds.add(new Added(after));
                continue;
            }
            matched[i] = true;
            Column before = from.columns().get(i);
            if (!before.name().equals(after.name())) {
                renames.add(new Renamed(before, after));
            }
            if (!before.type().equals(after.type())) {
                retypes.add(new Retyped(before, after, TypeChange.of(before.type(), after.type())));
            }
            if (before.nullable() != after.nullable()) {
                nullability.add(new NullabilityChanged(before, after));
            }
        }
        for (int i = 0; i < matched.length; i++) {
            if (!matched[i]) {
                drops.add(new Dropped(from.columns().get(i)));
            }
        }
        if (!from.primaryKey().equals(renamedKey(from, to))) {
            key.add(new KeyChanged(from.primaryKey(), to.primaryKey()));
        }
        List<Change> all = new ArrayList<>(renames);
        all.addAll(drops);
        all.addAll(retypes);
        all.addAll(nullability);
        all.addAll(adds);
        all.addAll(key);
        return new SchemaDiff(from, to, all);
    }

    public boolean isEmpty() {
        return changes.isEmpty();
    }

    /**
     * Whether the change gave existing rows values the source's log does not carry: an added column (its default
     * fills every row) or a changed type (the table was rewritten). Those rows must be read again.
     */
    public boolean rewritesRows() {
        for (Change c : changes) {
            if (c instanceof Added || c instanceof Retyped) {
                return true;
            }
        }
        return false;
    }

    /**
     * The added columns, when adding nullable columns is all this change did that {@link #rewritesRows rewrites
     * rows}: existing rows then hold NULL in them unless a default or a generation expression filled them, which a
     * source must rule out before it skips reading the rows again. Null when it rewrote rows otherwise (a changed
     * type, an added NOT NULL column) or not at all.
     */
    public List<Column> nullableAddsOnly() {
        List<Column> out = new ArrayList<>();
        for (Change c : changes) {
            if (c instanceof Retyped || c instanceof Added a && !a.column().nullable()) {
                return null;
            }
            if (c instanceof Added a) {
                out.add(a.column());
            }
        }
        return out.isEmpty() ? null : out;
    }

    /** One line listing every change, for messages. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        for (Change c : changes) {
            parts.add(c.describe());
        }
        return String.join("; ", parts);
    }

    private static int match(TableSchema from, Column after) {
        if (after.id() != 0) {
            for (int i = 0; i < from.columns().size(); i++) {
                if (from.columns().get(i).id() == after.id()) {
                    return i;
                }
            }
            // An id the old version lacks is a new column, even when a dropped one had its name.
            boolean fromHasIds = from.columns().stream().anyMatch(c -> c.id() != 0);
            if (fromHasIds) {
                return -1;
            }
        }
        return from.indexOf(after.name());
    }

    /** {@code to}'s key spelled with {@code from}'s names for renamed columns, so a rename alone is no key change. */
    private static List<String> renamedKey(TableSchema from, TableSchema to) {
        List<String> out = new ArrayList<>();
        for (String k : to.primaryKey()) {
            Column after = to.columns().get(to.indexOf(k));
            int i = match(from, after);
            out.add(i < 0 ? k : from.columns().get(i).name());
        }
        return out;
    }
}
