package io.ferry.core;

import java.util.Objects;

/**
 * A column's type: its portable {@link TypeKind} and the source's own full type name (for example
 * {@code numeric(38,10)} or {@code "Sales Dept".mood}), which a sink of the same database uses verbatim.
 *
 * @param element for {@link TypeKind#ARRAY}, the element type; otherwise {@code null}
 */
public record ColumnType(TypeKind kind, String sourceName, ColumnType element) {

    public ColumnType {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(sourceName, "sourceName");
        if ((kind == TypeKind.ARRAY) != (element != null)) {
            throw new IllegalArgumentException("an ARRAY type, and only it, has an element type: " + sourceName);
        }
    }

    public static ColumnType of(TypeKind kind, String sourceName) {
        return new ColumnType(kind, sourceName, null);
    }

    public static ColumnType arrayOf(ColumnType element, String sourceName) {
        return new ColumnType(TypeKind.ARRAY, sourceName, element);
    }
}
