package io.ferry.sink.jdbc;

/**
 * One column of a target table as its catalog describes it.
 *
 * @param type     the full type, with modifiers ({@code character varying(200)}, {@code decimal(14,4)})
 * @param castType the type without modifiers, for casts: an explicit cast to {@code varchar(3)} silently
 *                 truncates, whereas the assignment to the column raises the error a too-long value deserves
 */
public record TargetColumn(String name, String type, String castType, boolean nullable) {
}
