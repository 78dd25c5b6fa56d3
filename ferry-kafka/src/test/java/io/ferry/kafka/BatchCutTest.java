package io.ferry.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.core.Column;
import io.ferry.core.ColumnType;
import io.ferry.core.Sink.OffsetUpdate;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Where the applier ends its batches, and the offsets each batch moves. */
class BatchCutTest {

    private static final TableSchema ORDERS_V1 = schema("orders", 1);
    private static final TableSchema ORDERS_V2 = schema("orders", 2);
    private static final TableSchema ITEMS_V1 = schema("items", 1);

    /** Feeds events of these versions to one cut as the applier does; each batch is a list of versions. */
    private static List<List<TableSchema>> batches(BatchCut cut, TableSchema... events) {
        List<List<TableSchema>> out = new ArrayList<>();
        List<TableSchema> batch = new ArrayList<>();
        for (TableSchema e : events) {
            if (!cut.joins(e, batch.size())) {
                out.add(batch);
                batch = new ArrayList<>();
                assertThat(cut.joins(e, 0)).as("a version always opens a batch").isTrue();
            }
            batch.add(e);
        }
        out.add(batch);
        return out;
    }

    @Test
    void aBatchEndsBeforeTheFirstEventOfAVersionNoBatchHadYet() {
        BatchCut cut = new BatchCut();
        assertThat(batches(cut, ORDERS_V1, ORDERS_V1, ITEMS_V1, ORDERS_V1, ORDERS_V2, ORDERS_V2, ITEMS_V1))
                .containsExactly(List.of(ORDERS_V1, ORDERS_V1), List.of(ITEMS_V1, ORDERS_V1),
                        List.of(ORDERS_V2, ORDERS_V2, ITEMS_V1));
        // Versions handed over in earlier batches, older ones too, no longer cut.
        assertThat(batches(cut, ORDERS_V2, ORDERS_V1, ITEMS_V1, ORDERS_V2))
                .containsExactly(List.of(ORDERS_V2, ORDERS_V1, ITEMS_V1, ORDERS_V2));
    }

    @Test
    void aRefusedVersionIsNotCountedUntilItJoins() {
        BatchCut cut = new BatchCut();
        assertThat(cut.joins(ORDERS_V1, 0)).isTrue();
        assertThat(cut.joins(ORDERS_V2, 1)).isFalse();
        assertThat(cut.joins(ORDERS_V2, 1)).as("still new: it did not join").isFalse();
        assertThat(cut.joins(ORDERS_V2, 0)).isTrue();
        assertThat(cut.joins(ORDERS_V2, 5)).isTrue();
    }

    @Test
    void aDeadLetteredRecordAlwaysJoins() {
        BatchCut cut = new BatchCut();
        assertThat(cut.joins(ORDERS_V1, 0)).isTrue();
        assertThat(cut.joins(null, 1)).isTrue();
        assertThat(cut.joins(null, 0)).isTrue();
    }

    @Test
    void versionsAreTheSchemaStoresInstancesNotEqualCopies() {
        BatchCut cut = new BatchCut();
        TableSchema copy = new TableSchema(ORDERS_V1.table(), ORDERS_V1.version(), List.copyOf(ORDERS_V1.columns()),
                ORDERS_V1.primaryKey());
        assertThat(copy).isEqualTo(ORDERS_V1).isNotSameAs(ORDERS_V1);
        assertThat(cut.joins(ORDERS_V1, 0)).isTrue();
        // An equal copy is another instance, hence a version of its own: the batch is cut (early, never wrongly).
        assertThat(cut.joins(copy, 1)).isFalse();
    }

    @Test
    void aBatchMovesEachPartitionFromWhereTheLastOneLeftToPastItsLastRecord() {
        List<ConsumerRecord<byte[], byte[]>> records = List.of(record("t.orders", 0, 7), record("t.items", 1, 40),
                record("t.orders", 0, 8), record("t.orders", 1, 3), record("t.items", 1, 41), record("t.orders", 0, 9));
        Map<TopicPartition, Long> expected = Map.of(new TopicPartition("t.orders", 0), 7L,
                new TopicPartition("t.items", 1), 40L);
        assertThat(BatchCut.offsets(records, expected)).containsExactly(
                new OffsetUpdate("t.orders", 0, 7, 10),
                new OffsetUpdate("t.items", 1, 40, 42),
                // A partition no batch moved before: its stored offset is unknown to the applier.
                new OffsetUpdate("t.orders", 1, -1, 4));
        assertThat(BatchCut.offsets(List.of(), expected)).isEmpty();
    }

    private static ConsumerRecord<byte[], byte[]> record(String topic, int partition, long offset) {
        return new ConsumerRecord<>(topic, partition, offset, new byte[0], new byte[0]);
    }

    private static TableSchema schema(String table, int version) {
        return new TableSchema(new TableId("shop", table), version,
                List.of(new Column("id", ColumnType.of(TypeKind.INT64, "bigint"), false)), List.of("id"));
    }
}
