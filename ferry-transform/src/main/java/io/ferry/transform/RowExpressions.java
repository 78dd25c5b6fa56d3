package io.ferry.transform;

import com.google.common.collect.ImmutableCollection;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.navigation.CelNavigableAst;
import dev.cel.common.types.CelType;
import dev.cel.common.types.CelTypeProvider;
import dev.cel.common.types.SimpleType;
import dev.cel.common.types.StructType;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelRuntime;
import io.ferry.core.Column;
import io.ferry.core.TableSchema;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Compiles expressions over one table version's rows. The language is CEL (Google's Common Expression
 * Language, the {@code dev.cel:cel} library): it is kept by Google and used for Kubernetes admission rules, it
 * is typed (an unknown column or {@code 'a' + 1} fails at compile time, before anything starts), it has no
 * file system, network, reflection or unbounded loops, and a compiled program is reused for every row. We
 * declare only the variables below and no functions of our own, so an expression cannot reach out of the row.
 *
 * <p>Variables: {@code row} (the row image; {@code row.col} is a column, absent when NULL: test with
 * {@code has(row.col)}), {@code table} (the source table, {@code schema.table}), and the event's {@code op}
 * ({@code c u d r}), {@code commit_ts} (timestamp) and {@code position} (text).
 */
final class RowExpressions {

    static final Set<String> METADATA = Set.of("op", "commit_ts", "position");

    private static final CelOptions OPTIONS = CelOptions.current()
            .enableHeterogeneousNumericComparisons(true)
            // Macros such as exists() loop over a row's values; a bound keeps one event's cost bounded.
            .comprehensionMaxIterations(10_000)
            .build();

    private final TableSchema schema;
    private final Cel cel;

    RowExpressions(TableSchema schema) {
        this.schema = schema;
        Map<String, CelType> fields = new LinkedHashMap<>();
        for (Column c : schema.columns()) {
            fields.put(c.name(), CelValues.typeOf(c.type()));
        }
        StructType row = StructType.create("ferry.Row", ImmutableSet.copyOf(fields.keySet()),
                name -> Optional.ofNullable(fields.get(name)));
        this.cel = environment(row);
    }

    private static Cel environment(CelType row) {
        var builder = CelFactory.standardCelBuilder()
                .setOptions(OPTIONS)
                .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
                .addVar("table", SimpleType.STRING)
                .addVar("op", SimpleType.STRING)
                .addVar("commit_ts", SimpleType.TIMESTAMP)
                .addVar("position", SimpleType.STRING);
        if (row != null) {
            builder.setTypeProvider(new CelTypeProvider() {
                @Override
                public ImmutableCollection<CelType> types() {
                    return ImmutableList.of(row);
                }

                @Override
                public Optional<CelType> findType(String name) {
                    return name.equals(row.name()) ? Optional.of(row) : Optional.empty();
                }
            }).addVar("row", row);
        }
        return builder.build();
    }

    /** Parses without types: the syntax check made while the pipeline file is read. */
    static String syntaxProblem(String text, boolean rowOnly) {
        Cel parser = environment(null);
        CelAbstractSyntaxTree ast;
        try {
            ast = parser.parse(text).getAst();
        } catch (CelValidationException e) {
            return "syntax error in '" + text + "': " + firstLine(e);
        }
        if (rowOnly) {
            for (String name : identifiers(ast)) {
                if (METADATA.contains(name)) {
                    return "a filter decides which rows the target holds, so it reads row and table only, not "
                            + name;
                }
            }
        }
        return null;
    }

    /** The compiled expression, or throws {@link Problem} with one line saying why not. */
    Compiled compile(String text) {
        CelAbstractSyntaxTree ast;
        try {
            ast = cel.compile(text).getAst();
        } catch (CelValidationException e) {
            throw new Problem(firstLine(e).replace("ferry.Row", schema.table().toString()));
        }
        try {
            CelRuntime.Program program = cel.createProgram(ast);
            Set<String> columns = new LinkedHashSet<>();
            boolean metadata = false;
            for (String name : identifiers(ast)) {
                metadata |= METADATA.contains(name);
            }
            CelNavigableAst.fromAst(ast).getRoot().allNodes().forEach(n -> {
                if (n.getKind() == CelExpr.ExprKind.Kind.SELECT) {
                    CelExpr operand = n.expr().select().operand();
                    if (operand.exprKind().getKind() == CelExpr.ExprKind.Kind.IDENT
                            && operand.ident().name().equals("row")) {
                        columns.add(n.expr().select().field());
                    }
                }
            });
            int[] indexes = new int[columns.size()];
            int i = 0;
            for (String c : columns) {
                indexes[i++] = schema.indexOf(c);
            }
            return new Compiled(text, program, ast.getResultType(), indexes, metadata);
        } catch (dev.cel.common.CelException e) {
            throw new Problem(firstLine(e));
        }
    }

    private static Set<String> identifiers(CelAbstractSyntaxTree ast) {
        Set<String> names = new LinkedHashSet<>();
        CelNavigableAst.fromAst(ast).getRoot().allNodes().forEach(n -> {
            if (n.getKind() == CelExpr.ExprKind.Kind.IDENT) {
                names.add(n.expr().ident().name());
            }
        });
        return names;
    }

    private static String firstLine(Exception e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        String first = m.lines().filter(l -> !l.isBlank()).findFirst().orElse(m).strip();
        return first.replaceFirst("^ERROR: <input>:", "at ");
    }

    /**
     * One compiled expression: its program, result type, the row columns it reads (indexes into the schema's
     * columns) and whether it reads event metadata (then {@code ferry verify} cannot recompute it).
     */
    record Compiled(String text, CelRuntime.Program program, CelType resultType, int[] columns, boolean metadata) {
    }

    /** An expression that does not compile against the table; the message is one line. */
    static final class Problem extends RuntimeException {
        Problem(String message) {
            super(message, null, false, false);
        }
    }
}
