package io.ferry.iceberg;

import io.ferry.core.ChangeEvent;
import io.ferry.core.SourcePosition;
import io.ferry.core.config.SinkConfig;
import io.ferry.core.schema.SchemaChanges;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.iceberg.io.CloseableIterable;

/** A warehouse under test (a local directory or an HDFS path), sink configurations for it, and reading it back. */
public final class IcebergTarget {

    private final String warehouse;

    public IcebergTarget(String warehouse) {
        this.warehouse = warehouse;
    }

    public String warehouse() {
        return warehouse;
    }

    public SinkConfig config(String namespace, SchemaChanges changes, Map<String, String> options) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("warehouse", warehouse);
        all.put("namespace", namespace);
        all.put("commit-rows", "1");
        all.putAll(options);
        return new SinkConfig("iceberg", null, 0, null, null, null, null, true, SinkConfig.OnError.STOP, changes, all);
    }

    public HadoopCatalog catalog() {
        HadoopCatalog c = new HadoopCatalog();
        c.setConf(Catalogs.hadoopConfiguration());
        c.initialize("test", Map.of("warehouse", warehouse));
        return c;
    }

    public Table table(String namespace, String table) {
        return catalog().loadTable(TableIdentifier.of(Namespace.of(namespace), table));
    }

    /** The table's current rows (deletes applied), read with Iceberg's generic reader, sorted by the first column. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public List<List<Object>> rows(String namespace, String table, String... columns) {
        List<List<Object>> out = new ArrayList<>();
        Table t = table(namespace, table);
        IcebergGenerics.ScanBuilder scan = IcebergGenerics.read(t);
        if (columns.length > 0) {
            scan = scan.select(columns);
        }
        try (CloseableIterable<Record> records = scan.build()) {
            for (Record r : records) {
                List<Object> row = new ArrayList<>();
                if (columns.length == 0) {
                    // The reader may add metadata columns (_pos) to apply deletes: only the table's own.
                    for (org.apache.iceberg.types.Types.NestedField f : t.schema().columns()) {
                        row.add(r.getField(f.name()));
                    }
                } else {
                    for (String c : columns) {
                        row.add(r.getField(c));
                    }
                }
                out.add(row);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.sort(Comparator.comparing(r -> (Comparable) r.get(0), Comparator.nullsLast(Comparator.naturalOrder())));
        return out;
    }

    /** {@code e} as read from {@code topic}: the applier's events name their topic in their position. */
    public static ChangeEvent onTopic(ChangeEvent e, String topic, int partition, long offset) {
        SourcePosition p = out -> {
            out.put("topic", topic);
            out.put("partition", partition);
            out.put("offset", offset);
        };
        return new ChangeEvent(e.op(), e.schema(), e.before(), e.after(), p, e.txId(), e.commitMicros());
    }

    public static List<Object> row(Object... values) {
        return Arrays.asList(values);
    }
}
