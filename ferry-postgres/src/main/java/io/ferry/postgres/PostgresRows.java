package io.ferry.postgres;

import io.ferry.core.TableSelector;
import io.ferry.core.TableSchema;
import io.ferry.core.config.SinkConfig;
import io.ferry.core.config.SourceConfig;
import io.ferry.core.connector.TargetTables;
import io.ferry.core.verify.RowSource;
import java.sql.Connection;

/**
 * One connection to a PostgreSQL source or target, reading tables as {@link RowSource}s for {@code ferry verify}
 * with the session settings the decoders expect. A source table is read under its own name; a target's copy is
 * {@code sink.schema}.{@code table}, read with the source's schema (column names and kinds).
 */
public final class PostgresRows implements TargetTables {

    private final PgConnections connections;
    private final Connection connection;
    private final String targetSchema;

    private PostgresRows(PgConnections connections, String targetSchema) {
        this.connections = connections;
        this.connection = connections.regular();
        this.targetSchema = targetSchema;
    }

    /** Reads source tables. */
    public static PostgresRows source(SourceConfig config) {
        return new PostgresRows(new PgConnections(config), null);
    }

    /** Reads the copies a PostgreSQL sink keeps in {@code config.schema()}. */
    public static PostgresRows target(SinkConfig config) {
        return new PostgresRows(new PgConnections(config.host(), config.port(), config.database(), config.user(),
                config.password()), config.schema());
    }

    /** The rows of the table {@code schema} describes (here, or in the target schema for a target). */
    @Override
    public RowSource rows(TableSchema schema) {
        String table = targetSchema == null ? TableSelector.quote(schema.table())
                : TableSelector.quote(targetSchema) + "." + TableSelector.quote(schema.table().table());
        return new PgTableRows(connection, connections, table, schema);
    }

    @Override
    public void close() {
        PgConnections.closeQuietly(connection);
    }
}
