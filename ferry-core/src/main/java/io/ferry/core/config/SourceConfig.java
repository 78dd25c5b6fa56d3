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
 */
public record SourceConfig(String type, String host, int port, String database, String user, Secret password,
                           List<String> tables, SnapshotMode snapshot, Map<String, List<String>> keyColumns) {

    public SourceConfig {
        tables = List.copyOf(tables);
        Map<String, List<String>> copy = new LinkedHashMap<>();
        keyColumns.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        keyColumns = Collections.unmodifiableMap(copy);
    }

    public SourceConfig(String type, String host, int port, String database, String user, Secret password,
                        List<String> tables, SnapshotMode snapshot) {
        this(type, host, port, database, user, password, tables, snapshot, Map.of());
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
    public enum SnapshotMode { INITIAL, NEVER }
}
