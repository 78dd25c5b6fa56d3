package io.ferry.iceberg;

import io.ferry.core.FerryException;
import io.ferry.core.TableSchema;
import io.ferry.core.connector.TargetTables;
import io.ferry.core.verify.CanonicalValues;
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
 * reader at its newest snapshot, decoded with the source's column kinds and served in key order (a table without a
 * key whole, equal rows each there). A table is read once, into memory, when first asked for.
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
        List<Object[]> all = read(source);
        if (source.primaryKey().isEmpty()) {
            // Compared whole, as a multiset: equal rows are each there.
            return (after, through, limit) -> all.subList(0, Math.min(limit, all.size()));
        }
        NavigableMap<Object[], Object[]> rows = byKey(source, all);
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

    /**
     * Rows in key order. A key read twice means a delete missed the older row (both are what a reader sees): named,
     * as a map would keep only the last one read and hide the other.
     */
    private NavigableMap<Object[], Object[]> byKey(TableSchema source, List<Object[]> all) {
        NavigableMap<Object[], Object[]> rows = new TreeMap<>(KeyOrder.of(source));
        int[] key = source.keyIndexes();
        List<Object[]> repeated = new ArrayList<>();
        for (Object[] row : all) {
            Object[] k = new Object[key.length];
            for (int i = 0; i < key.length; i++) {
                k[i] = row[key[i]];
            }
            if (rows.put(k, row) != null) {
                repeated.add(k);
            }
        }
        if (!repeated.isEmpty()) {
            throw new FerryException("Iceberg table " + source.table().table() + " in namespace " + namespace
                    + " holds " + repeated.size() + " row(s) more than once under one key, first key ("
                    + CanonicalValues.formatKey(repeated.get(0)) + "): a delete did not reach the older row;"
                    + " `ferry reset` writes the table again", null, false);
        }
        return rows;
    }

    private List<Object[]> read(TableSchema source) {
        List<Object[]> rows = new ArrayList<>();
        TableIdentifier id = TableIdentifier.of(namespace, source.table().table());
        Table table;
        try {
            table = catalog.loadTable(id);
        } catch (NoSuchTableException e) {
            return rows;
        }
        TableShape shape = new TableShape(source, table.schema());
        try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
            for (Record r : records) {
                Object[] row = new Object[source.columns().size()];
                for (int i = 0; i < row.length; i++) {
                    row[i] = IcebergTypes.toFerry(shape.value(r, i), source.columns().get(i).type());
                }
                rows.add(row);
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
