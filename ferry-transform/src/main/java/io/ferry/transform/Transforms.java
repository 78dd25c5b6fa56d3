package io.ferry.transform;

import io.ferry.core.FerryException;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TableSelector;
import io.ferry.core.config.ConfigException;
import io.ferry.core.config.PipelineConfig;
import io.ferry.core.config.TransformConfig;
import io.ferry.core.config.TransformConfig.Route;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The transform entries of one side of a pipeline (capture or apply), compiled per table schema version on
 * first use and reused for every event of that version. The first entry whose {@code tables} match a table
 * applies to it; a table no entry names passes unchanged. Thread-safe.
 */
public final class Transforms {

    private static final Pattern GROUP_REF = Pattern.compile("\\$(\\d+)");

    private final List<TransformConfig> entries;
    private final Map<TableSchema, TableTransform> compiled = java.util.Collections.synchronizedMap(
            new IdentityHashMap<>());
    /** Which source table a merged target came from first, to refuse two tables colliding in one target. */
    private final Map<TableId, TableId> claims = new ConcurrentHashMap<>();

    private Transforms(List<TransformConfig> entries) {
        this.entries = List.copyOf(entries);
    }

    /** The capture-side transforms: their output reaches Kafka. */
    public static Transforms capture(PipelineConfig config) {
        return new Transforms(config.transforms());
    }

    /** The apply-side transforms: between Kafka and the target. */
    public static Transforms apply(PipelineConfig config) {
        return new Transforms(config.sinkTransforms());
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /**
     * The transform of this schema version, or null when no entry names its table.
     *
     * @throws ConfigException naming the file, line and key when the entry does not fit the table (a column it
     *                         names is missing, a type error): at start, or when a schema change dropped a column
     */
    public TableTransform of(TableSchema schema) {
        TableTransform t = compiled.get(schema);
        if (t == null && !compiled.containsKey(schema)) {
            t = compile(schema);
            compiled.put(schema, t);
        }
        return t;
    }

    /** What {@code schema} becomes: its transform's output, or itself when no entry names it. */
    public TableSchema output(TableSchema schema) {
        TableTransform t = of(schema);
        return t == null ? schema : t.output();
    }

    /**
     * Checks every entry against the tables captured now, before anything starts.
     *
     * @throws ConfigException with one line per problem
     */
    public void validate(List<TableSchema> tables) {
        // One line per place in the file: eight shards with the same typo are one mistake.
        Map<String, String> problems = new LinkedHashMap<>();
        Map<TableId, TableId> targets = new LinkedHashMap<>();
        for (TableSchema t : tables) {
            try {
                TableTransform tt = of(t);
                if (tt == null) {
                    continue;
                }
                TableId target = tt.output().table();
                TableId other = targets.putIfAbsent(target, t.table());
                if (other != null && sourceColumnOf(t) == null) {
                    problems.putIfAbsent(where(t), where(t) + ": " + other + " and " + t.table() + " both go to "
                            + target + " and their keys could collide: set route.source-column");
                }
            } catch (ConfigException e) {
                String m = e.getMessage();
                int key = m.indexOf(": ", m.indexOf(": ") + 2);
                problems.putIfAbsent(key < 0 ? m : m.substring(0, key), m);
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(String.join(System.lineSeparator(), problems.values()));
        }
    }

    /** Whether an entry names {@code table}. */
    public boolean covers(TableId table) {
        return entryFor(table) != null;
    }

    /** The target table of a source table: the route's target, or the table itself. */
    public TableId targetOf(TableId table) {
        TransformConfig entry = entryFor(table);
        return entry == null || entry.route() == null ? table : route(entry.route(), table);
    }

    private String where(TableSchema t) {
        TransformConfig e = entryFor(t.table());
        return e == null ? "transforms" : e.route() == null ? e.at() : e.route().at();
    }

    private String sourceColumnOf(TableSchema t) {
        TransformConfig e = entryFor(t.table());
        return e == null || e.route() == null ? null : e.route().sourceColumn();
    }

    private TableTransform compile(TableSchema schema) {
        TransformConfig entry = entryFor(schema.table());
        if (entry == null) {
            return null;
        }
        TableId target = entry.route() == null ? schema.table() : route(entry.route(), schema.table());
        TableTransform t = new TableTransform(entry, schema, target);
        if (entry.route() != null && entry.route().sourceColumn() == null) {
            TableId first = claims.putIfAbsent(target, schema.table());
            if (first != null && !first.equals(schema.table())) {
                throw new FerryException(entry.route().at() + ": " + first + " and " + schema.table() + " both go to "
                        + target + " and their keys could collide: set route.source-column");
            }
        }
        return t;
    }

    private TransformConfig entryFor(TableId table) {
        for (TransformConfig e : entries) {
            for (String pattern : e.tables()) {
                if (TableSelector.parse(pattern, table.schema()).matches(table)) {
                    return e;
                }
            }
        }
        return null;
    }

    private static TableId route(Route route, TableId table) {
        String name = route.to();
        if (route.match() != null) {
            Matcher m = Pattern.compile(route.match()).matcher(table.toString());
            if (!m.matches()) {
                return table;
            }
            Matcher refs = GROUP_REF.matcher(name);
            StringBuilder out = new StringBuilder();
            while (refs.find()) {
                String g = m.group(Integer.parseInt(refs.group(1)));
                refs.appendReplacement(out, Matcher.quoteReplacement(g == null ? "" : g));
            }
            refs.appendTail(out);
            name = out.toString();
        }
        TableSelector.Entry parsed = TableSelector.parse(name, table.schema());
        return new TableId(parsed.schema(), parsed.table());
    }
}
