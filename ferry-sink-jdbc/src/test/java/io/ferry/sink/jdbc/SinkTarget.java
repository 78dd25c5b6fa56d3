package io.ferry.sink.jdbc;

import io.ferry.core.config.SinkConfig;
import java.time.Duration;
import java.util.List;

/** A real database as the target of {@link JdbcSinkContract}: one per dialect, over the dialect's test server. */
public interface SinkTarget {

    /** A new dialect instance for a sink. */
    JdbcDialect dialect();

    /** A new, empty namespace (schema or database) for one test. */
    String freshNamespace();

    /** A sink configuration writing into {@code namespace}, creating tables, with the default policy. */
    SinkConfig config(String namespace);

    /** A configuration whose password the server refuses. */
    SinkConfig wrongPassword();

    /** Rows of a query run in {@code namespace}'s database, as lists of {@code getObject} values. */
    List<List<Object>> query(String namespace, String sql);

    void execute(String namespace, String sql);

    /** Ends every session the sinks opened to {@code namespace}'s database. */
    void killSinkSessions(String namespace);

    /**
     * The longest duration the target's duration column holds: MariaDB's and PostgreSQL's hold MySQL's whole
     * documented range, {@code 838:59:59.999999}; MySQL 8's {@code time(6)} stops at {@code 838:59:59}.
     */
    default Duration longestDuration() {
        return Duration.parse("PT838H59M59.999999S");
    }

    /** SQL that gives {@code expression}'s text form. */
    String asText(String expression);
}
