package io.ferry.core.config;

import io.ferry.core.Secret;
import io.ferry.core.config.TransformConfig.DeleteMode;
import io.ferry.core.config.TransformConfig.Expression;
import io.ferry.core.config.TransformConfig.Located;
import io.ferry.core.config.TransformConfig.Mask;
import io.ferry.core.config.TransformConfig.MaskKind;
import io.ferry.core.config.TransformConfig.Route;
import io.ferry.core.config.YamlTree.Scalar;
import io.ferry.core.config.YamlTree.Section;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads a {@code transforms:} list. What needs no table's columns is checked here (shapes, names, mask kinds,
 * regexes, expression syntax); the rest is checked at start against the captured tables, by ferry-transform.
 */
final class TransformsReader {

    private static final Pattern TRUNCATE = Pattern.compile("truncate\\((\\d+)\\)");
    private static final Pattern COLUMN = Pattern.compile("[^\\s.\"`]+");
    private static final Pattern GROUP_REF = Pattern.compile("\\$(\\d+)");
    /** The key column a merging route adds unless the entry names another. */
    static final String SOURCE_COLUMN = "_source_table";

    private static final List<String> KEYS = List.of("tables", "filter", "include", "exclude", "rename", "mask",
            "salt", "compute", "deletes", "route");

    private final Function<Scalar, String> resolve;
    private final ExpressionSyntax syntax;

    TransformsReader(Function<Scalar, String> resolve, ExpressionSyntax syntax) {
        this.resolve = resolve;
        this.syntax = syntax;
    }

    /** The entries of {@code parent.name}, empty when absent; null after an error. */
    List<TransformConfig> read(Section parent, String name, boolean captureSide) {
        if (!parent.has(name)) {
            return List.of();
        }
        List<Section> entries = parent.sections(name);
        if (entries == null) {
            return null;
        }
        List<TransformConfig> out = new ArrayList<>();
        boolean ok = true;
        for (Section entry : entries) {
            TransformConfig t = entry(entry, captureSide);
            ok &= t != null;
            if (t != null) {
                out.add(t);
            }
        }
        return ok ? out : null;
    }

    private TransformConfig entry(Section s, boolean captureSide) {
        boolean ok = true;
        List<String> tables = new ArrayList<>();
        List<Scalar> tableNodes = s.list("tables", true);
        if (tableNodes != null) {
            for (Scalar t : tableNodes) {
                String v = resolve.apply(t);
                if (v == null || v.isBlank()) {
                    t.error("a table name must not be empty");
                    ok = false;
                } else {
                    tables.add(v.strip());
                }
            }
            if (tableNodes.isEmpty()) {
                s.problem("tables", "list at least one table or pattern this entry applies to");
            }
        }
        ok &= tableNodes != null && !tableNodes.isEmpty();
        Expression filter = null;
        Scalar filterNode = s.scalar("filter", false);
        if (filterNode != null) {
            filter = expression(filterNode, true);
            ok &= filter != null;
        }
        List<Located> include = columns(s, "include");
        List<Located> exclude = columns(s, "exclude");
        ok &= include != null && exclude != null;
        if (include != null && exclude != null && !include.isEmpty() && !exclude.isEmpty()) {
            s.problem("exclude", "give include or exclude, not both");
            ok = false;
        }
        Map<String, Located> rename = new LinkedHashMap<>();
        Section renameNode = s.section("rename", false);
        if (renameNode != null) {
            for (String from : List.copyOf(renameNode.keys())) {
                Scalar to = renameNode.scalar(from, true);
                String v = to == null ? null : column(to);
                if (v == null) {
                    ok = false;
                } else {
                    rename.put(from, new Located(v, to.at()));
                }
            }
        }
        Map<String, Mask> masks = new LinkedHashMap<>();
        boolean hashes = false;
        Section maskNode = s.section("mask", false);
        if (maskNode != null) {
            for (String column : List.copyOf(maskNode.keys())) {
                Scalar m = maskNode.scalar(column, true);
                Mask mask = m == null ? null : mask(m);
                if (mask == null) {
                    ok = false;
                } else {
                    masks.put(column, mask);
                    hashes |= mask.kind() == MaskKind.HASH;
                }
            }
        }
        Scalar saltNode = s.scalar("salt", false);
        String salt = saltNode == null ? null : resolve.apply(saltNode);
        if (saltNode != null && salt == null) {
            ok = false;
        } else if (hashes && (salt == null || salt.isBlank())) {
            s.problem("salt", "a hash mask needs a salt (use ${env:NAME} or ${file:/path} to keep it out of the file)");
            ok = false;
        }
        Map<String, Expression> compute = new LinkedHashMap<>();
        Section computeNode = s.section("compute", false);
        if (computeNode != null) {
            for (String column : List.copyOf(computeNode.keys())) {
                Scalar e = computeNode.scalar(column, true);
                Expression x = e == null ? null : expression(e, false);
                if (!COLUMN.matcher(column).matches()) {
                    computeNode.problem(column, "'" + column + "' is not a usable column name");
                    x = null;
                }
                if (x == null) {
                    ok = false;
                } else {
                    compute.put(column, x);
                }
            }
        }
        String deletes = choice(s.scalar("deletes", false));
        ok &= deletes != null;
        Route route = null;
        Section routeNode = s.section("route", false);
        if (routeNode != null) {
            if (!captureSide) {
                s.problem("route", "routing decides topics and target tables, so it belongs to the top-level"
                        + " transforms: list, not sink.transforms");
                routeNode.rejectUnknown(List.of());
                ok = false;
            } else {
                route = route(routeNode, tables);
                ok &= route != null;
            }
        }
        s.rejectUnknown(KEYS);
        if (!ok) {
            return null;
        }
        return new TransformConfig(s.at(), tables, filter, include, exclude, rename, masks, compute,
                salt == null ? null : new Secret(salt), DeleteMode.valueOf(deletes.toUpperCase(Locale.ROOT)), route);
    }

    private Expression expression(Scalar node, boolean rowOnly) {
        String text = resolve.apply(node);
        if (text == null) {
            return null;
        }
        if (text.isBlank()) {
            node.error("the expression is empty");
            return null;
        }
        if (syntax == null) {
            node.error("expressions need the ferry-transform module on the class path");
            return null;
        }
        String problem = syntax.problem(text, rowOnly);
        if (problem != null) {
            node.error(problem);
            return null;
        }
        return new Expression(text, node.at());
    }

    private List<Located> columns(Section s, String key) {
        List<Scalar> nodes = s.list(key, false);
        if (nodes == null) {
            return s.has(key) ? null : List.of();
        }
        List<Located> out = new ArrayList<>();
        boolean ok = true;
        for (Scalar n : nodes) {
            String v = column(n);
            if (v == null) {
                ok = false;
            } else {
                out.add(new Located(v, n.at()));
            }
        }
        if (nodes.isEmpty()) {
            s.problem(key, "list at least one column");
            ok = false;
        }
        return ok ? out : null;
    }

    private String column(Scalar n) {
        String v = resolve.apply(n);
        if (v == null) {
            return null;
        }
        if (!COLUMN.matcher(v.strip()).matches()) {
            n.error("'" + v + "' is not a column name");
            return null;
        }
        return v.strip();
    }

    private Mask mask(Scalar node) {
        String v = resolve.apply(node);
        if (v == null) {
            return null;
        }
        String k = v.strip().toLowerCase(Locale.ROOT);
        Matcher t = TRUNCATE.matcher(k);
        if (t.matches()) {
            int length;
            try {
                length = Integer.parseInt(t.group(1));
            } catch (NumberFormatException e) {
                length = 0;
            }
            if (length < 1) {
                node.error("truncate keeps at least 1 character: truncate(N) with N from 1");
                return null;
            }
            return new Mask(MaskKind.TRUNCATE, length, node.at());
        }
        switch (k) {
            case "hash", "redact", "null":
                return new Mask(MaskKind.valueOf(k.toUpperCase(Locale.ROOT)), 0, node.at());
            default:
                node.error("'" + v + "' is not a mask; expected hash, redact, truncate(N) or null");
                return null;
        }
    }

    private String choice(Scalar s) {
        if (s == null) {
            return "keep";
        }
        String v = resolve.apply(s);
        if (v == null) {
            return null;
        }
        String n = v.strip().toLowerCase(Locale.ROOT);
        if (List.of("keep", "skip", "soft").contains(n)) {
            return n;
        }
        s.error("'" + v + "' is not supported; expected keep, skip or soft");
        return null;
    }

    private Route route(Section r, List<String> tables) {
        Scalar matchNode = r.scalar("match", false);
        Scalar toNode = r.scalar("to", true);
        Scalar columnNode = r.scalar("source-column", false);
        r.rejectUnknown(List.of("match", "to", "source-column"));
        String match = matchNode == null ? null : resolve.apply(matchNode);
        String to = toNode == null ? null : resolve.apply(toNode);
        if (to == null || (matchNode != null && match == null)) {
            return null;
        }
        int groups = 0;
        if (match != null) {
            try {
                groups = Pattern.compile(match).matcher("").groupCount();
            } catch (PatternSyntaxException e) {
                matchNode.error("not a valid regular expression: " + e.getDescription());
                return null;
            }
        }
        boolean[] used = new boolean[groups + 1];
        Matcher refs = GROUP_REF.matcher(to);
        while (refs.find()) {
            int g = Integer.parseInt(refs.group(1));
            if (g < 1 || g > groups) {
                toNode.error("$" + g + " names no group of route.match (it has " + groups + ")");
                return null;
            }
            used[g] = true;
        }
        if (to.strip().isEmpty() || to.strip().startsWith(".") || to.strip().endsWith(".")) {
            toNode.error("'" + to + "' is not a table name (schema.table or table)");
            return null;
        }
        String column;
        if (columnNode != null) {
            String v = resolve.apply(columnNode);
            if (v == null) {
                return null;
            }
            if (v.strip().equalsIgnoreCase("none")) {
                column = null;
            } else if (!COLUMN.matcher(v.strip()).matches()) {
                columnNode.error("'" + v + "' is not a column name");
                return null;
            } else {
                column = v.strip();
            }
        } else {
            // Tables the match tells apart only by groups the target name leaves out land in one table: their
            // keys could collide, so the source table joins the key.
            boolean merges = match == null
                    ? tables.size() > 1 || tables.stream().anyMatch(t -> t.contains("*") || t.contains("?"))
                    : groups == 0 && !match.replace("\\.", "").matches("[\\w$]*");
            for (int g = 1; g <= groups; g++) {
                merges |= !used[g];
            }
            column = merges ? SOURCE_COLUMN : null;
        }
        return new Route(match, to.strip(), column, r.at());
    }
}
