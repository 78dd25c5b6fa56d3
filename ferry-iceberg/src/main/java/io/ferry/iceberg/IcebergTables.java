package io.ferry.iceberg;

import io.ferry.core.FerryException;
import io.ferry.core.TableSchema;
import io.ferry.core.connector.TargetTables;
import io.ferry.core.verify.KeyOrder;
import io.ferry.core.verify.RowSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.io.CloseableIterable;

/**
 * The Iceberg side of {@code ferry verify}: each table's current rows (deletes applied) read with Iceberg's generic
 * reader at its newest snapshot, decoded with the source's column kinds and served in key order. A table is read
 * once, into memory, when first asked for.
 */
final class IcebergTables implements TargetTables {

    private final Catalog catalog;
    private final Namespace namespace;

    IcebergTables(IcebergSettings settings) {
        this.catalog = Catalogs.open(settings);
        this.namespace = Namespace.of(settings.namespace().split("\\."));
    }

    @Override
    public RowSource rows(TableSchema source) {
        NavigableMap<Object[], Object[]> rows = read(source);
        return (after, through, limit) -> {
            NavigableMap<Object[], Object[]> range = after == null ? rows : rows.tailMap(after, false);
            if (through != null) {
                range = range.headMap(through, true);
            }
            List<Object[]> out = new ArrayList<>(Math.min(limit, range.size()));
            for (Object[] row : range.values()) {
                if (out.size() >= limit) {
                    break;
                }
                out.add(row);
            }
            return out;
        };
    }

    private NavigableMap<Object[], Object[]> read(TableSchema source) {
        NavigableMap<Object[], Object[]> rows = new TreeMap<>(KeyOrder.of(source));
        TableIdentifier id = TableIdentifier.of(namespace, source.table().table());
        Table table;
        try {
            table = catalog.loadTable(id);
        } catch (NoSuchTableException e) {
            return rows;
        }
        TableShape shape = new TableShape(source, table.schema());
        int[] key = source.keyIndexes();
        try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
            for (Record r : records) {
                Object[] row = new Object[source.columns().size()];
                for (int i = 0; i < row.length; i++) {
                    row[i] = IcebergTypes.toFerry(shape.value(r, i), source.columns().get(i).type());
                }
                Object[] k = new Object[key.length];
                for (int i = 0; i < key.length; i++) {
                    k[i] = row[key[i]];
                }
                rows.put(k, row);
            }
        } catch (IOException | UncheckedIOException e) {
            throw new FerryException("cannot read Iceberg table " + id + ": " + e.getMessage(), e, true);
        }
        return rows;
    }

    @Override
    public void close() {
        if (catalog instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                // Nothing is held open that matters after verify.
            }
        }
    }
}
