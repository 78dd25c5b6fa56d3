package io.ferry.core.config;

import io.ferry.core.Secret;
import io.ferry.core.TableId;
import io.ferry.core.TableSelector;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where changes come from.
 *
 * @param tables     exact names ({@code schema.table}, each part optionally double-quoted) or patterns with
 *                   {@code *} and {@code ?}; a name without a schema means {@code public}
 * @param keyColumns for tables without a primary key: the columns that identify a row, by table name or pattern
 *                   (as Debezium's {@code message.key.columns}); a keyless table not named here is matched by
 *                   its whole row
 * @param snapshotChunkRows rows per key chunk of the initial snapshot and of backfills; a resumed snapshot re-reads
 *                   at most one chunk per table
 * @param snapshotParallelism reader connections of the initial snapshot: several tables at once, and several
 *                   readers per keyed table
 */
public record SourceConfig(String type, String host, int port, String database, String user, Secret password,
                           List<String> tables, SnapshotMode snapshot, Map<String, List<String>> keyColumns,
                           int snapshotChunkRows, int snapshotParallelism) {

    /** {@code source.snapshot-chunk-rows} when the pipeline file does not set it. */
    public static final int DEFAULT_SNAPSHOT_CHUNK_ROWS = 10_000;

    /** {@code source.snapshot-parallelism} when the pipeline file does not set it. */
    public static final int DEFAULT_SNAPSHOT_PARALLELISM = 4;

    public SourceConfig {
        if (snapshotChunkRows <= 0) {
            throw new IllegalArgumentException("snapshotChunkRows must be positive, got " + snapshotChunkRows);
        }
        if (snapshotParallelism <= 0) {
            throw new IllegalArgumentException("snapshotParallelism must be positive, got " + snapshotParallelism);
        }
        tables = List.copyOf(tables);
        Map<String, List<String>> copy = new LinkedHashMap<>();
        keyColumns.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        keyColumns = Collections.unmodifiableMap(copy);
    }

    public SourceConfig(String type, String host, int port, String database, String user, Secret password,
                        List<String> tables, SnapshotMode snapshot, Map<String, List<String>> keyColumns) {
        this(type, host, port, database, user, password, tables, snapshot, keyColumns, DEFAULT_SNAPSHOT_CHUNK_ROWS,
                DEFAULT_SNAPSHOT_PARALLELISM);
    }

    public SourceConfig(String type, String host, int port, String database, String user, Secret password,
                        List<String> tables, SnapshotMode snapshot) {
        this(type, host, port, database, user, password, tables, snapshot, Map.of());
    }

    /** The same source with another snapshot chunk size. */
    public SourceConfig withSnapshotChunkRows(int rows) {
        return new SourceConfig(type, host, port, database, user, password, tables, snapshot, keyColumns, rows,
                snapshotParallelism);
    }

    /** The same source with another number of snapshot readers. */
    public SourceConfig withSnapshotParallelism(int readers) {
        return new SourceConfig(type, host, port, database, user, password, tables, snapshot, keyColumns,
                snapshotChunkRows, readers);
    }

    /** The key columns configured for {@code table}, or an empty list; {@code defaultSchema} as for tables. */
    public List<String> keyColumnsOf(TableId table, String defaultSchema) {
        for (Map.Entry<String, List<String>> e : keyColumns.entrySet()) {
            if (TableSelector.parse(e.getKey(), defaultSchema).matches(table)) {
                return e.getValue();
            }
        }
        return List.of();
    }

    /** Whether a new pipeline first copies the existing rows. */
    /**
     * {@code INITIAL}: copy the existing rows first, from one consistent snapshot; {@code INCREMENTAL}: stream at once
     * and copy the tables in chunks alongside the stream; {@code NEVER}: stream only.
     */
    public enum SnapshotMode { INITIAL, INCREMENTAL, NEVER }
}
