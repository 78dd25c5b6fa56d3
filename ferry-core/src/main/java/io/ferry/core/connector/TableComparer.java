package io.ferry.core.connector;

import io.ferry.core.TableSchema;
import io.ferry.core.verify.TableDiff;

/** Compares a source table with its copy in a target of the same kind, inside the two databases. */
public interface TableComparer extends AutoCloseable {

    TableDiff.Result compare(TableSchema table, int chunkRows, int maxDifferences);

    @Override
    void close();
}
