package io.ferry.iceberg;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.Schema;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.data.GenericAppenderFactory;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.BaseTaskWriter;
import org.apache.iceberg.deletes.EqualityDeleteWriter;
import org.apache.iceberg.deletes.PositionDelete;
import org.apache.iceberg.deletes.PositionDeleteWriter;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFileFactory;
import org.apache.iceberg.io.WriteResult;
import org.apache.iceberg.types.TypeUtil;

/**
 * Writes one uncommitted batch of a table as Parquet data files plus delete files, Iceberg's
 * {@link BaseTaskWriter.BaseEqualityDeltaWriter} pattern: a key written earlier in the same batch is removed by a
 * position delete (its file and row are known), any other by an equality delete on the key, which hides the rows of
 * earlier commits. One delta writer per partition. Not thread-safe.
 */
final class DeltaWriter extends BaseTaskWriter<Record> {

    private final Schema schema;
    private final Schema deleteSchema;
    private final PartitionKey partitionKey;
    private final InternalRecordWrapper wrapper;
    private final Map<PartitionKey, PartitionWriter> writers = new HashMap<>();
    private final GenericAppenderFactory factory;
    private final OutputFileFactory files;
    private final Table table;
    /**
     * A table without a key: rows appended to one file as they come (duplicates kept); a delete removes every equal
     * row, by position those of this batch (an equality delete does not reach rows of its own commit), by equality
     * those committed before.
     */
    private DataWriter<Record> appends;
    private String appendsLocation;
    private String rowDeletesLocation;
    private long appendedRows;
    private final Map<List<Object>, List<Long>> appendedAt = new HashMap<>();
    private final java.util.TreeSet<Long> deletedPositions = new java.util.TreeSet<>();
    private EqualityDeleteWriter<Record> rowDeletes;
    private long rows;

    DeltaWriter(Table table, Schema schema, Set<Integer> equalityIds, boolean keyless) {
        this(table, schema, TypeUtil.select(schema, equalityIds), keyless,
                new GenericAppenderFactory(table, schema, table.spec(), writeProperties(table),
                        equalityIds.stream().mapToInt(Integer::intValue).toArray(),
                        TypeUtil.select(schema, equalityIds), null),
                OutputFileFactory.builderFor(table, 1, System.currentTimeMillis()).format(FileFormat.PARQUET)
                        .operationId(UUID.randomUUID().toString()).build());
    }

    private DeltaWriter(Table table, Schema schema, Schema deleteSchema, boolean keyless,
                        GenericAppenderFactory factory, OutputFileFactory files) {
        super(table.spec(), FileFormat.PARQUET, factory, files, table.io(), targetSize(table));
        this.table = table;
        this.schema = schema;
        this.deleteSchema = deleteSchema;
        this.factory = factory;
        this.files = files;
        this.partitionKey = new PartitionKey(table.spec(), schema);
        this.wrapper = new InternalRecordWrapper(schema.asStruct());
    }

    /** The table's properties but its metrics modes, which the factory takes from the table itself (and refuses twice). */
    private static Map<String, String> writeProperties(Table table) {
        Map<String, String> out = new HashMap<>(table.properties());
        out.keySet().removeIf(k -> k.startsWith(TableProperties.METRICS_MODE_COLUMN_CONF_PREFIX)
                || k.equals(TableProperties.DEFAULT_WRITE_METRICS_MODE));
        return out;
    }

    private static long targetSize(Table table) {
        return Long.parseLong(table.properties().getOrDefault("write.target-file-size-bytes",
                String.valueOf(128L << 20)));
    }

    @Override
    public WriteResult complete() throws IOException {
        WriteResult own = super.complete();
        WriteResult.Builder all = WriteResult.builder().add(own);
        if (appends != null) {
            appends.close();
            all.addDataFiles(appends.toDataFile());
            if (!deletedPositions.isEmpty()) {
                PositionDeleteWriter<Record> positions = factory.newPosDeleteWriter(files.newOutputFile(),
                        FileFormat.PARQUET, null);
                try (positions) {
                    PositionDelete<Record> d = PositionDelete.create();
                    for (long pos : deletedPositions) {
                        positions.write(d.set(appendsLocation, pos, null));
                    }
                }
                all.addDeleteFiles(positions.toDeleteFile());
            }
        }
        if (rowDeletes != null) {
            rowDeletes.close();
            all.addDeleteFiles(rowDeletes.toDeleteFile());
        }
        return all.build();
    }

    @Override
    public void abort() throws IOException {
        super.abort();
        if (appends != null) {
            appends.close();
            table.io().deleteFile(appendsLocation);
        }
        if (rowDeletes != null) {
            rowDeletes.close();
            table.io().deleteFile(rowDeletesLocation);
        }
    }

    /** Replaces the row with {@code row}'s key (if any) by {@code row}. */
    void upsert(Record row, Record key) throws IOException {
        PartitionWriter w = writerFor(row);
        w.deleteKey(key);
        w.write(row);
        rows++;
    }

    /** Adds {@code row} without removing anything: a table without a key. */
    @Override
    public void write(Record row) throws IOException {
        if (appends == null) {
            org.apache.iceberg.encryption.EncryptedOutputFile out = files.newOutputFile();
            appendsLocation = out.encryptingOutputFile().location();
            appends = factory.newDataWriter(out, FileFormat.PARQUET, null);
        }
        appendedAt.computeIfAbsent(values(row), k -> new ArrayList<>()).add(appendedRows);
        appends.write(row);
        appendedRows++;
        rows++;
    }

    /** Removes the row with {@code key}; {@code row} holds at least the key, to find its partition. */
    void deleteKey(Record row, Record key) throws IOException {
        writerFor(row).deleteKey(key);
        rows++;
    }

    /** Removes every row equal to {@code row} in the delete fields: a table without a key. */
    void deleteRow(Record row) throws IOException {
        List<Long> here = appendedAt.remove(values(row));
        if (here != null) {
            deletedPositions.addAll(here);
        }
        if (rowDeletes == null) {
            org.apache.iceberg.encryption.EncryptedOutputFile out = files.newOutputFile();
            rowDeletesLocation = out.encryptingOutputFile().location();
            rowDeletes = factory.newEqDeleteWriter(out, FileFormat.PARQUET, null);
        }
        rowDeletes.write(row);
        rows++;
    }

    /** A row's delete-field values in internal form, comparable by equals. */
    private List<Object> values(Record row) {
        org.apache.iceberg.StructLike w = wrapper.wrap(row);
        List<Object> out = new ArrayList<>();
        for (org.apache.iceberg.types.Types.NestedField f : deleteSchema.columns()) {
            int pos = schema.columns().indexOf(schema.findField(f.fieldId()));
            out.add(w.get(pos, Object.class));
        }
        return out;
    }

    /** Rows and deletes written so far. */
    long changes() {
        return rows;
    }

    private PartitionWriter writerFor(Record row) {
        partitionKey.partition(wrapper.wrap(row));
        PartitionWriter w = writers.get(partitionKey);
        if (w == null) {
            PartitionKey copy = partitionKey.copy();
            w = new PartitionWriter(spec().isUnpartitioned() ? null : copy);
            writers.put(copy, w);
        }
        return w;
    }

    @Override
    public void close() throws IOException {
        for (PartitionWriter w : writers.values()) {
            w.close();
        }
        writers.clear();
    }

    private final class PartitionWriter extends BaseEqualityDeltaWriter {
        private final InternalRecordWrapper rowWrapper = new InternalRecordWrapper(schema.asStruct());
        private final InternalRecordWrapper keyWrapper = new InternalRecordWrapper(deleteSchema.asStruct());

        PartitionWriter(StructLike partition) {
            super(partition, schema, deleteSchema);
        }

        // Keys are compared in Iceberg's internal form (timestamps as longs), as the inserted-row map expects.
        @Override
        protected StructLike asStructLike(Record row) {
            return rowWrapper.wrap(row);
        }

        @Override
        protected StructLike asStructLikeKey(Record key) {
            return keyWrapper.wrap(key);
        }
    }
}
