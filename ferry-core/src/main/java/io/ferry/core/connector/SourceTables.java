package io.ferry.core.connector;

import io.ferry.core.TableSchema;
import io.ferry.core.verify.RowSource;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A source database as {@code ferry verify} sees it: the tables a pipeline captures, each readable as rows, and
 * the end of its log at one moment. Holds connections until closed; not thread-safe.
 */
public interface SourceTables extends AutoCloseable {

    /** The captured tables as the catalog describes them now. */
    List<TableSchema> tables();

    RowSource rows(TableSchema table);

    /**
     * The end of the source's log now: every change committed before this call is captured once the goal is
     * reached. Read it before {@link #tables()} so the goal covers what the tables hold.
     */
    CatchUpGoal logEnd();

    /**
     * Bytes of log the source holds back for this pipeline now: the WAL a PostgreSQL slot retains, or the binlog
     * written after {@code committed} (the pipeline's newest position in the offsets topic, empty when none).
     * Empty when the source cannot tell. For {@code ferry status} and the metrics.
     */
    default OptionalLong retainedLogBytes(Map<String, Object> committed) {
        return OptionalLong.empty();
    }

    @Override
    void close();

    /** A point in a source's log that capture must pass. */
    interface CatchUpGoal {

        /** The log's name in messages: {@code WAL}, {@code binlog}. */
        String log();

        /** The point in it, e.g. {@code mysql-bin.000003:4575006}. */
        String position();

        /**
         * Whether capture has durably published everything up to the goal. {@code committed} is the pipeline's
         * newest position in the offsets topic, as the source described it (empty when none).
         */
        boolean reachedBy(Map<String, Object> committed);
    }
}
