package io.ferry.core.apply;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Column;
import io.ferry.core.ColumnType;
import io.ferry.core.Operation;
import io.ferry.core.SourcePosition;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import java.util.List;

/** Builds schemas and change events for tests. */
/** Change events for sink tests, shipped in ferry-core's test-jar. */
public final class Events {

    public static final SourcePosition POSITION = out -> out.put("lsn", 1L);

    private Events() {
    }

    public static Column col(String name, TypeKind kind, String sourceName) {
        return new Column(name, ColumnType.of(kind, sourceName), true);
    }

    public static Column col(String name, ColumnType type) {
        return new Column(name, type, true);
    }

    /** A table {@code source.<table>} keyed by its first column. */
    public static TableSchema table(String table, int version, Column... columns) {
        return new TableSchema(new TableId("source", table), version, List.of(columns),
                List.of(columns[0].name()));
    }

    public static ChangeEvent insert(TableSchema s, Object... after) {
        return new ChangeEvent(Operation.CREATE, s, null, after, POSITION, 1, 0);
    }

    /** A snapshot read of a row ({@code r}). */
    public static ChangeEvent read(TableSchema s, Object... after) {
        return new ChangeEvent(Operation.READ, s, null, after, POSITION, -1, 0);
    }

    public static ChangeEvent update(TableSchema s, Object... after) {
        return new ChangeEvent(Operation.UPDATE, s, null, after, POSITION, 1, 0);
    }

    public static ChangeEvent updateKey(TableSchema s, Object[] before, Object[] after) {
        return new ChangeEvent(Operation.UPDATE, s, before, after, POSITION, 1, 0);
    }

    public static ChangeEvent delete(TableSchema s, Object... before) {
        return new ChangeEvent(Operation.DELETE, s, before, null, POSITION, 1, 0);
    }

    public static ChangeEvent truncate(TableSchema s) {
        return new ChangeEvent(Operation.TRUNCATE, s, null, null, POSITION, 1, 0);
    }
}
