package io.ferry.core.connector;

import io.ferry.core.TableSchema;
import io.ferry.core.verify.RowSource;

/**
 * A target database as {@code ferry verify} sees it: the sink's copy of each source table, read with the
 * source's schema (names and kinds). Holds a connection until closed; not thread-safe.
 */
public interface TargetTables extends AutoCloseable {

    RowSource rows(TableSchema sourceTable);

    @Override
    void close();
}
