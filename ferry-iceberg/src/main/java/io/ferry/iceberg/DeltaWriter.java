package io.ferry.iceberg;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.Schema;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericAppenderFactory;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.BaseTaskWriter;
import org.apache.iceberg.io.OutputFileFactory;
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
    private long rows;

    DeltaWriter(Table table, Schema schema, Set<Integer> equalityIds) {
        this(table, schema, equalityIds, TypeUtil.select(schema, equalityIds));
    }

    private DeltaWriter(Table table, Schema schema, Set<Integer> equalityIds, Schema deleteSchema) {
        super(table.spec(), FileFormat.PARQUET,
                new GenericAppenderFactory(table, schema, table.spec(), table.properties(),
                        equalityIds.stream().mapToInt(Integer::intValue).toArray(), deleteSchema, null),
                OutputFileFactory.builderFor(table, 1, System.currentTimeMillis()).format(FileFormat.PARQUET)
                        .operationId(UUID.randomUUID().toString()).build(),
                table.io(), Long.parseLong(table.properties().getOrDefault("write.target-file-size-bytes",
                        String.valueOf(128L << 20))));
        this.schema = schema;
        this.deleteSchema = deleteSchema;
        this.partitionKey = new PartitionKey(table.spec(), schema);
        this.wrapper = new InternalRecordWrapper(schema.asStruct());
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
        writerFor(row).write(row);
        rows++;
    }

    /** Removes the row with {@code key}; {@code row} holds at least the key, to find its partition. */
    void deleteKey(Record row, Record key) throws IOException {
        writerFor(row).deleteKey(key);
        rows++;
    }

    /** Removes every row equal to {@code row} in the delete fields: a table without a key. */
    void deleteRow(Record row) throws IOException {
        writerFor(row).delete(row);
        rows++;
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
