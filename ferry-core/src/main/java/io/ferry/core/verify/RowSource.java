package io.ferry.core.verify;

import java.util.List;

/**
 * The rows of one table, read in key order a range at a time, for {@link TableDiff}. Each row is an
 * {@code Object[]} aligned with the {@link io.ferry.core.TableSchema} the comparison was given, holding values of
 * the Java classes {@link io.ferry.core.TypeKind} defines for that schema's column kinds (a target is decoded with
 * the source's kinds, whatever its own column types). Key arrays hold the key columns' values in
 * {@link io.ferry.core.TableSchema#keyIndexes()} order.
 *
 * <p>The order must be the one {@link KeyOrder} defines: numbers and times by value, text by Unicode code point
 * (PostgreSQL {@code COLLATE "C"}, MySQL binary comparison). Implementations throw
 * {@link io.ferry.core.FerryException} on failure.
 */
public interface RowSource {

    /**
     * Rows whose key is greater than {@code after} (from the first row when null) and, when {@code through} is
     * not null, at most {@code through}; in key order; at most {@code limit} rows.
     */
    List<Object[]> rows(Object[] after, Object[] through, int limit);
}
