package io.ferry.core.config;

import io.ferry.core.TableId;
import io.ferry.core.TableSelector;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How many partitions each table topic gets ({@code kafka.partitions} and {@code kafka.partitions-per-table}): one
 * count for every table, and overrides for tables named exactly or by a pattern as in {@code source.tables}; the
 * first matching override wins.
 */
public record TablePartitions(int fallback, Map<String, Integer> perTable) {

    /** One partition per table topic. */
    public static final TablePartitions ONE = of(1);

    public TablePartitions {
        if (fallback < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, was " + fallback);
        }
        perTable = Collections.unmodifiableMap(new LinkedHashMap<>(perTable));
        for (Map.Entry<String, Integer> e : perTable.entrySet()) {
            if (e.getValue() < 1) {
                throw new IllegalArgumentException("partitions of " + e.getKey() + " must be at least 1, was "
                        + e.getValue());
            }
        }
    }

    /** The same count for every table. */
    public static TablePartitions of(int partitions) {
        return new TablePartitions(partitions, Map.of());
    }

    /** The partitions of {@code table}'s topic. */
    public int forTable(TableId table) {
        for (Map.Entry<String, Integer> e : perTable.entrySet()) {
            // An entry without a schema names the table in whichever schema it is.
            if (TableSelector.parse(e.getKey(), table.schema()).matches(table)) {
                return e.getValue();
            }
        }
        return fallback;
    }
}
