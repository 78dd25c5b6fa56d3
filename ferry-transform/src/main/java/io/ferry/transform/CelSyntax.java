package io.ferry.transform;

import io.ferry.core.config.ExpressionSyntax;

/** The syntax check of transform expressions that the pipeline file reader finds through ServiceLoader. */
public final class CelSyntax implements ExpressionSyntax {

    @Override
    public String problem(String text, boolean rowOnly) {
        return RowExpressions.syntaxProblem(text, rowOnly);
    }
}
