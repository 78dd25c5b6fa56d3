package io.ferry.core.connector;

import io.ferry.core.TableId;
import java.util.List;

/**
 * What {@code ferry drop} or {@code ferry reset} removes from a target for one pipeline: the applied offsets of its
 * topics (every topic whose name starts with {@code topicNamePrefix}), the recorded schema versions of its
 * {@code tables}, and with {@code emptyTables} the rows of those tables (their definitions stay).
 */
public record TargetState(String topicNamePrefix, List<TableId> tables, boolean emptyTables) {

    public TargetState {
        tables = List.copyOf(tables);
    }
}
