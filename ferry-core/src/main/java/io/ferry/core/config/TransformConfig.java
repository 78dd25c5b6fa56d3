package io.ferry.core.config;

import io.ferry.core.Secret;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One entry of a {@code transforms:} list (capture side, top level) or of {@code sink.transforms:} (apply side):
 * what happens to the rows of the tables it names. Every part keeps {@code at}, the {@code file:line: key} it came
 * from, so a check that needs the table's columns (made at start, in ferry-transform) names the place to fix.
 *
 * @param tables  table names or patterns, as in {@code source.tables}
 * @param filter  the row filter, or null
 * @param include the only source columns kept (empty: all)
 * @param exclude source columns dropped
 * @param rename  source column name to target column name
 * @param masks   source column name to mask
 * @param compute target column name to expression, in file order
 * @param salt    the salt of {@link MaskKind#HASH} masks, or null
 * @param deletes what a source delete does at the target
 * @param route   where the tables' rows go instead of a topic and target table of their own name, or null
 */
public record TransformConfig(String at, List<String> tables, Expression filter, List<Located> include,
                              List<Located> exclude, Map<String, Located> rename, Map<String, Mask> masks,
                              Map<String, Expression> compute, Secret salt, DeleteMode deletes, Route route) {

    public TransformConfig {
        Objects.requireNonNull(at, "at");
        tables = List.copyOf(tables);
        include = List.copyOf(include);
        exclude = List.copyOf(exclude);
        rename = Collections.unmodifiableMap(new LinkedHashMap<>(rename));
        masks = Collections.unmodifiableMap(new LinkedHashMap<>(masks));
        compute = Collections.unmodifiableMap(new LinkedHashMap<>(compute));
        Objects.requireNonNull(deletes, "deletes");
    }

    /** A name given in the file, with where it was given. */
    public record Located(String value, String at) {
    }

    /** An expression's source text (CEL) and where it was given. */
    public record Expression(String text, String at) {
    }

    /** How a masked column's values are replaced; {@code length} is the kept length of a truncate. */
    public record Mask(MaskKind kind, int length, String at) {
    }

    public enum MaskKind { HASH, REDACT, TRUNCATE, NULL }

    /** {@code KEEP}: deletes delete; {@code SKIP}: the target keeps the row; {@code SOFT}: it is flagged deleted. */
    public enum DeleteMode { KEEP, SKIP, SOFT }

    /**
     * Routing: a table whose {@code schema.table} name matches {@code match} (a whole-name regex; null: any
     * table of the entry) goes to {@code to}, in which {@code $1}... are the match's groups.
     *
     * @param sourceColumn the key column naming the source table, added so rows of several tables merged into one
     *                     cannot collide; null for none
     */
    public record Route(String match, String to, String sourceColumn, String at) {
    }
}
