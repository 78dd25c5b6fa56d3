package io.ferry.transform;

import dev.cel.runtime.CelEvaluationException;
import io.ferry.core.ChangeEvent;
import io.ferry.core.Column;
import io.ferry.core.ColumnType;
import io.ferry.core.FerryException;
import io.ferry.core.Operation;
import io.ferry.core.SourcePosition;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.core.config.ConfigException;
import io.ferry.core.config.TransformConfig;
import io.ferry.core.config.TransformConfig.DeleteMode;
import io.ferry.core.config.TransformConfig.Expression;
import io.ferry.core.config.TransformConfig.Located;
import io.ferry.core.config.TransformConfig.Mask;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One transform entry compiled for one version of one source table: the output schema, and each event or row
 * mapped to what the target holds. Immutable once built; safe to share between threads.
 *
 * <p>Filter semantics (docs/pipeline.md): the filter is tested on the after image and, when the source sent
 * one, on the before image. In after, in before: an update. In after only: an insert. Out of after, in (or not
 * known in) before: a delete at the target. Out of both: dropped. A delete out of the filter in its before image
 * is dropped; one whose before image lacks the filter's columns passes (deleting a missing row does nothing).
 * Leaving the filter is a real delete even with {@code deletes: soft}: the row was not deleted at the source.
 */
public final class TableTransform {

    /** The soft-delete flag and time columns. */
    public static final String DELETED = "_deleted";
    public static final String DELETED_AT = "_deleted_at";

    private final TableSchema source;
    private final TableSchema output;
    private final String sourceTable;
    private final RowExpressions.Compiled filter;
    private final String filterAt;
    private final int[] kept;
    private final Mask[] masks;
    private final byte[] salt;
    private final RowExpressions.Compiled[] computed;
    private final String[] computedAt;
    private final TypeKind[] computedKinds;
    private final DeleteMode deletes;
    private final boolean sourceColumn;
    private final Set<String> unverifiable = new LinkedHashSet<>();
    private final Map<String, Integer> indexes = new HashMap<>();

    TableTransform(TransformConfig config, TableSchema source, TableId target) {
        this.source = source;
        this.sourceTable = source.table().toString();
        for (int i = 0; i < source.columns().size(); i++) {
            indexes.put(source.columns().get(i).name(), i);
        }
        RowExpressions expressions = new RowExpressions(source);
        String where = config.at();
        this.filter = config.filter() == null ? null : compile(expressions, config.filter());
        this.filterAt = config.filter() == null ? null : config.filter().at();
        if (filter != null && !filter.resultType().equals(dev.cel.common.types.SimpleType.BOOL)) {
            throw problem(config.filter().at(), "a filter must be true or false; '" + filter.text() + "' gives "
                    + filter.resultType().name());
        }
        for (Located c : config.include()) {
            column(c);
        }
        for (Located c : config.exclude()) {
            if (source.primaryKey().contains(column(c))) {
                throw problem(c.at(), "key column " + c.value() + " of " + source.table() + " cannot be excluded");
            }
        }
        List<Integer> keep = new ArrayList<>();
        for (int i = 0; i < source.columns().size(); i++) {
            String name = source.columns().get(i).name();
            boolean included = config.include().isEmpty() || config.include().stream().anyMatch(l -> l.value().equals(name))
                    || source.primaryKey().contains(name);
            boolean excluded = config.exclude().stream().anyMatch(l -> l.value().equals(name));
            if (included && !excluded) {
                keep.add(i);
            }
        }
        config.rename().forEach((from, to) -> column(new Located(from, to.at())));
        config.masks().forEach((name, mask) -> column(new Located(name, mask.at())));
        this.kept = keep.stream().mapToInt(Integer::intValue).toArray();
        this.masks = new Mask[kept.length];
        this.salt = config.salt() == null ? new byte[0] : config.salt().reveal().getBytes(StandardCharsets.UTF_8);
        List<Column> columns = new ArrayList<>();
        Map<String, String> renamed = new HashMap<>();
        for (int k = 0; k < kept.length; k++) {
            Column c = source.columns().get(kept[k]);
            Mask mask = config.masks().get(c.name());
            boolean key = source.primaryKey().contains(c.name());
            Column out = c;
            if (mask != null) {
                masks[k] = mask;
                try {
                    out = Masks.column(c, mask, key);
                } catch (RowExpressions.Problem p) {
                    throw problem(mask.at(), p.getMessage());
                }
            }
            Located newName = config.rename().get(c.name());
            if (newName != null) {
                out = out.withName(newName.value());
                renamed.put(c.name(), newName.value());
            }
            columns.add(out);
        }
        for (Map.Entry<String, Mask> m : config.masks().entrySet()) {
            if (keep.stream().noneMatch(i -> source.columns().get(i).name().equals(m.getKey()))) {
                throw problem(m.getValue().at(), "column " + m.getKey() + " is masked but not kept (include/exclude)");
            }
        }
        this.computed = new RowExpressions.Compiled[config.compute().size()];
        this.computedAt = new String[computed.length];
        this.computedKinds = new TypeKind[computed.length];
        int n = 0;
        for (Map.Entry<String, Expression> e : config.compute().entrySet()) {
            RowExpressions.Compiled c = compile(expressions, e.getValue());
            ColumnType type = CelValues.columnTypeOf(c.resultType());
            if (type == null) {
                throw problem(e.getValue().at(), "a computed column must give bool, int, double, string, bytes or"
                        + " timestamp; '" + c.text() + "' gives " + c.resultType().name());
            }
            requireNew(columns, e.getKey(), e.getValue().at());
            columns.add(new Column(e.getKey(), type, true));
            computed[n] = c;
            computedAt[n] = e.getValue().at();
            computedKinds[n] = type.kind();
            if (c.metadata()) {
                unverifiable.add(e.getKey());
            }
            n++;
        }
        this.deletes = config.deletes();
        if (deletes == DeleteMode.SOFT) {
            requireNew(columns, DELETED, where);
            requireNew(columns, DELETED_AT, where);
            columns.add(new Column(DELETED, ColumnType.of(TypeKind.BOOLEAN, "boolean"), true));
            columns.add(new Column(DELETED_AT, ColumnType.of(TypeKind.TIMESTAMPTZ, "timestamp with time zone"), true));
            unverifiable.add(DELETED_AT);
        }
        List<String> key = new ArrayList<>();
        String routeColumn = config.route() == null ? null : config.route().sourceColumn();
        this.sourceColumn = routeColumn != null;
        if (sourceColumn) {
            requireNew(columns, routeColumn, config.route().at());
            columns.add(new Column(routeColumn, ColumnType.of(TypeKind.TEXT, "varchar(255)"), false));
            if (!source.primaryKey().isEmpty()) {
                key.add(routeColumn);
            }
        }
        for (String k : source.primaryKey()) {
            key.add(renamed.getOrDefault(k, k));
        }
        if (sourceColumn) {
            // Merged tables' column ids need not agree; ids that differ would make every switch between two
            // shards look like a new schema version.
            columns.replaceAll(c -> c.withId(0));
        }
        this.output = new TableSchema(target, source.version(), columns, key);
    }

    private String column(Located c) {
        if (source.indexOf(c.value()) < 0) {
            throw problem(c.at(), source.table() + " has no column " + c.value());
        }
        return c.value();
    }

    private static void requireNew(List<Column> columns, String name, String at) {
        for (Column c : columns) {
            if (c.name().equals(name)) {
                throw problem(at, "the target would get two columns named " + name);
            }
        }
    }

    private RowExpressions.Compiled compile(RowExpressions expressions, Expression e) {
        try {
            return expressions.compile(e.text());
        } catch (RowExpressions.Problem p) {
            throw problem(e.at(), "'" + e.text() + "' does not compile against " + source.table() + ": "
                    + p.getMessage());
        }
    }

    private static ConfigException problem(String at, String message) {
        return new ConfigException(at + ": " + message);
    }

    /** The schema the target gets: its table is the route's target, its version the source's. */
    public TableSchema output() {
        return output;
    }

    public TableSchema source() {
        return source;
    }

    /** Output columns {@code ferry verify} cannot recompute from a row: they depend on the event. */
    public Set<String> unverifiable() {
        return Set.copyOf(unverifiable);
    }

    public boolean softDeletes() {
        return deletes == DeleteMode.SOFT;
    }

    public boolean skipsDeletes() {
        return deletes == DeleteMode.SKIP;
    }

    /** What the target gets for {@code e}, or null when it gets nothing. */
    public ChangeEvent apply(ChangeEvent e) {
        Event meta = new Event(e);
        switch (e.op()) {
            case TRUNCATE:
                return new ChangeEvent(Operation.TRUNCATE, output, null, null, e.position(), e.txId(), e.commitMicros());
            case CREATE, READ:
                if (test(e.after(), null, meta) == Boolean.FALSE) {
                    return null;
                }
                return with(e, e.op(), null, project(e.after(), meta, false));
            case UPDATE: {
                Boolean inAfter = test(e.after(), e.before(), meta);
                Boolean inBefore = e.before() == null ? null : test(e.before(), null, meta);
                if (inAfter != Boolean.FALSE) {
                    if (inBefore == Boolean.FALSE) {
                        return with(e, Operation.CREATE, null, project(e.after(), meta, false));
                    }
                    return with(e, Operation.UPDATE, e.before() == null ? null : project(e.before(), meta, false),
                            project(e.after(), meta, false));
                }
                if (inBefore == Boolean.FALSE) {
                    return null;
                }
                // Left the filter: the target must no longer hold the row. The before image names its key.
                Object[] gone = e.before() != null ? e.before() : e.after();
                return with(e, Operation.DELETE, project(gone, meta, false), null);
            }
            case DELETE: {
                if (test(e.before(), null, meta) == Boolean.FALSE) {
                    return null;
                }
                if (deletes == DeleteMode.SKIP) {
                    return null;
                }
                if (deletes == DeleteMode.SOFT) {
                    return with(e, Operation.UPDATE, null, project(e.before(), meta, true));
                }
                return with(e, Operation.DELETE, project(e.before(), meta, false), null);
            }
            default:
                throw new IllegalStateException(e.op().toString());
        }
    }

    /**
     * A source row as the target holds it, or null when the filter leaves it out: what {@code ferry verify}
     * compares. Columns that depend on the event get what a snapshot read would give them.
     */
    public Object[] row(Object[] sourceRow) {
        Event meta = new Event(Operation.READ, 0, null);
        if (test(sourceRow, null, meta) == Boolean.FALSE) {
            return null;
        }
        return project(sourceRow, meta, false);
    }

    private ChangeEvent with(ChangeEvent e, Operation op, Object[] before, Object[] after) {
        return new ChangeEvent(op, output, before, after, e.position(), e.txId(), e.commitMicros());
    }

    /** Whether {@code image} passes; null when it lacks a column the filter reads ({@code fallback} fills gaps). */
    private Boolean test(Object[] image, Object[] fallback, Event meta) {
        if (filter == null || image == null) {
            return filter == null ? Boolean.TRUE : null;
        }
        CelRow row = new CelRow(source, indexes, image, fallback);
        if (!row.has(filter.columns())) {
            return null;
        }
        return (Boolean) eval(filter, filterAt, row, meta, image);
    }

    private Object[] project(Object[] in, Event meta, boolean deleted) {
        Object[] out = new Object[output.columns().size()];
        int k = 0;
        for (; k < kept.length; k++) {
            Object v = in[kept[k]];
            out[k] = masks[k] == null ? v : Masks.apply(masks[k], salt, v);
        }
        CelRow row = computed.length == 0 ? null : new CelRow(source, indexes, in, null);
        for (int c = 0; c < computed.length; c++, k++) {
            out[k] = !row.has(computed[c].columns()) ? ChangeEvent.UNCHANGED
                    : CelValues.fromCel(computedKinds[c], eval(computed[c], computedAt[c], row, meta, in));
        }
        if (deletes == DeleteMode.SOFT) {
            out[k++] = deleted;
            out[k++] = deleted ? Instant.ofEpochSecond(0, meta.commitMicros * 1000) : null;
        }
        if (sourceColumn) {
            out[k] = sourceTable;
        }
        return out;
    }

    private Object eval(RowExpressions.Compiled x, String at, CelRow row, Event meta, Object[] image) {
        try {
            return x.program().eval(name -> Optional.ofNullable(switch (name) {
                case "row" -> row;
                case "table" -> sourceTable;
                case "op" -> meta.op.code();
                case "commit_ts" -> CelValues.timestampOfMicros(meta.commitMicros);
                case "position" -> meta.position();
                default -> null;
            }));
        } catch (CelEvaluationException ex) {
            StringBuilder key = new StringBuilder();
            for (int k : source.keyIndexes()) {
                key.append(key.length() == 0 ? "" : ", ").append(image[k]);
            }
            throw new FerryException(at + ": '" + x.text() + "' failed on " + source.table() + " key (" + key + "): "
                    + ex.getMessage().lines().findFirst().orElse("") + " (a NULL column is absent: test it with"
                    + " has(row.column))");
        }
    }

    /** The event facts an expression may read. */
    private static final class Event {
        final Operation op;
        final long commitMicros;
        final SourcePosition position;

        Event(ChangeEvent e) {
            this(e.op(), e.commitMicros(), e.position());
        }

        Event(Operation op, long commitMicros, SourcePosition position) {
            this.op = op;
            this.commitMicros = commitMicros;
            this.position = position;
        }

        String position() {
            if (position == null) {
                return "";
            }
            StringBuilder out = new StringBuilder();
            position.describe(new SourcePosition.Fields() {
                @Override
                public void put(String name, long value) {
                    add(name, Long.toString(value));
                }

                @Override
                public void put(String name, String value) {
                    add(name, value);
                }

                @Override
                public void put(String name, boolean value) {
                    add(name, Boolean.toString(value));
                }

                private void add(String name, String value) {
                    out.append(out.length() == 0 ? "" : " ").append(name).append('=').append(value);
                }
            });
            return out.toString();
        }
    }
}
