package io.ferry.mysql;

import io.ferry.core.FerryException;
import io.ferry.core.TableId;
import io.ferry.core.TableSelector;
import io.ferry.core.TableSchema;
import io.ferry.core.config.SinkConfig;
import io.ferry.core.config.SourceConfig;
import io.ferry.core.connector.TargetTables;
import io.ferry.core.verify.RowSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * One connection to a MySQL/MariaDB source or target for {@code ferry verify}: which tables a source captures,
 * and any table as a {@link RowSource}. A source table is read under its own name; a MySQL target holds its copy
 * under the source table's name in the sink's database, read with the source's schema (names and kinds), so
 * one reader serves PostgreSQL and MySQL sources alike.
 */
public final class MySqlRows implements TargetTables {

    private final SourceConfig config;
    private final MySqlConnections connections;
    private final Connection connection;
    private final String targetDatabase;

    private MySqlRows(SourceConfig config, String targetDatabase) {
        this.config = config;
        this.connections = new MySqlConnections(config);
        this.connection = connections.open();
        this.targetDatabase = targetDatabase;
    }

    /** Reads source tables. */
    public static MySqlRows source(SourceConfig config) {
        return new MySqlRows(config, null);
    }

    /** Reads the copies a MySQL sink keeps in {@code config.database()}. */
    public static MySqlRows target(SinkConfig config) {
        return new MySqlRows(new SourceConfig("mysql", config.host(), config.port(), config.database(), config.user(),
                config.password(), List.of(), SourceConfig.SnapshotMode.NEVER), config.database());
    }

    /**
     * The tables {@code source.tables} names, as the catalog describes them now; a table without a primary key is
     * keyed as capture keys it ({@code source.key-columns}, else the whole row).
     */
    public List<TableSchema> describeTables() {
        try {
            Catalog catalog = new Catalog(connection);
            List<TableSchema> out = new ArrayList<>();
            for (TableId id : TableSelector.resolve(config.tables(), config.database(), catalog.tables())) {
                TableDef def = catalog.describe(id);
                if (def != null) {
                    out.add(def.keyed(config).shape);
                }
            }
            return out;
        } catch (SQLException e) {
            throw connections.lost(e);
        }
    }

    /** The rows of the table {@code schema} describes (here, or its copy in the target database). */
    @Override
    public RowSource rows(TableSchema schema) {
        TableId id = targetDatabase == null ? schema.table() : new TableId(targetDatabase, schema.table().table());
        TableDef def;
        try {
            def = new Catalog(connection).describe(id);
        } catch (SQLException e) {
            throw connections.lost(e);
        }
        if (def == null) {
            throw new FerryException("table " + TableSelector.quote(id) + " does not exist at " + connections.where());
        }
        return new MySqlTableRows(connection, connections, def, schema);
    }

    @Override
    public void close() {
        MySqlConnections.closeQuietly(connection);
    }
}
