package io.ferry.core.config;

import io.ferry.core.Secret;
import java.util.List;

/**
 * Where changes come from.
 *
 * @param tables exact names ({@code schema.table}, each part optionally double-quoted) or patterns with
 *               {@code *} and {@code ?}; a name without a schema means {@code public}
 */
public record SourceConfig(String type, String host, int port, String database, String user, Secret password,
                           List<String> tables, SnapshotMode snapshot) {

    public SourceConfig {
        tables = List.copyOf(tables);
    }

    /** Whether a new pipeline first copies the existing rows. */
    public enum SnapshotMode { INITIAL, NEVER }
}
