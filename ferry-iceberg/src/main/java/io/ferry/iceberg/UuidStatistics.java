package io.ferry.iceberg;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.UpdateProperties;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * Keeps min/max statistics out of every uuid column's files. Iceberg 1.10 compares UUIDs as two signed longs (Java's
 * {@code UUID.compareTo}) while Parquet and Iceberg's file bounds order them as unsigned bytes (apache/iceberg#14216):
 * with bounds, a file holding {@code 0000...01} and {@code a0ee...} looks as if it could not hold {@code a0ee...}, so
 * an equality delete on a uuid key is not applied to it (the old row stays visible beside the new one) and a keyed
 * scan skips it. Without bounds nothing is pruned by them, in Ferry's reads and in any engine's.
 */
final class UuidStatistics {

    private UuidStatistics() {
    }

    /** The table properties that turn bounds off for {@code schema}'s top-level uuid columns. */
    static Map<String, String> properties(Schema schema) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Types.NestedField f : schema.columns()) {
            if (f.type().typeId() == Type.TypeID.UUID) {
                out.put(TableProperties.METRICS_MODE_COLUMN_CONF_PREFIX + f.name(), "counts");
                out.put(TableProperties.PARQUET_COLUMN_STATS_ENABLED_PREFIX + f.name(), "false");
            }
        }
        return out;
    }

    /**
     * Sets whatever of {@link #properties} the table lacks (a table made before, a column added or renamed since);
     * files written from then on carry no uuid bounds, and a delete file without them is applied to every data file.
     */
    static void ensure(Table table) {
        for (int attempt = 1; ; attempt++) {
            Map<String, String> missing = new LinkedHashMap<>(properties(table.schema()));
            missing.entrySet().removeIf(e -> e.getValue().equals(table.properties().get(e.getKey())));
            if (missing.isEmpty()) {
                return;
            }
            UpdateProperties update = table.updateProperties();
            missing.forEach(update::set);
            try {
                update.commit();
                return;
            } catch (CommitFailedException e) {
                // Another applier changed the table first (tables retry no commit themselves): look again.
                if (attempt == 3) {
                    throw e;
                }
                table.refresh();
            }
        }
    }
}
