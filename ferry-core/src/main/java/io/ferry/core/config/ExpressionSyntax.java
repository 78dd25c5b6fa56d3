package io.ferry.core.config;

import java.util.ServiceLoader;

/**
 * Checks the syntax of a transform expression while the pipeline file is read, so a typo is reported with its
 * file and line before anything starts. ferry-core has no expression language of its own: the transform module
 * registers one through {@link ServiceLoader}.
 */
public interface ExpressionSyntax {

    /**
     * The problem with {@code text} in one line, or null when it parses. {@code rowOnly}: the expression decides
     * which rows the target holds, so it may read the row and the table name but no event metadata.
     */
    String problem(String text, boolean rowOnly);

    /** The installed checker, or null when no transform module is on the class path. */
    static ExpressionSyntax installed() {
        return ServiceLoader.load(ExpressionSyntax.class).findFirst().orElse(null);
    }
}
