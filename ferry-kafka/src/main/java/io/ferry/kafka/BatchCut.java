package io.ferry.kafka;

import io.ferry.core.Sink.OffsetUpdate;
import io.ferry.core.TableSchema;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Where the {@link Applier} ends a batch, and which offsets a batch moves. A batch ends before the first event of a
 * schema version no earlier batch had (unless that event opens the batch), so the sink changes the table after every
 * change written before the version and before every change after it. Not thread-safe: the polling thread's.
 */
final class BatchCut {

    /**
     * Versions already handed to the sink. By identity: events of one version share its instance (SchemaStore), and
     * a record's hashCode would walk every column once per event.
     */
    private final Set<TableSchema> submitted = Collections.newSetFromMap(new IdentityHashMap<>());

    /**
     * Whether an event of {@code schema} joins a batch that holds {@code batchSize} records so far; when it does,
     * its version counts as submitted. A record without an event ({@code schema} null: it was dead-lettered) always
     * joins.
     */
    boolean joins(TableSchema schema, int batchSize) {
        if (schema == null) {
            return true;
        }
        if (batchSize > 0 && !submitted.contains(schema)) {
            return false;
        }
        submitted.add(schema);
        return true;
    }

    /**
     * The offsets a batch of {@code records} moves: per partition, in order of first appearance, from the next
     * offset the batch before left ({@code expected}, -1 where unknown) to one past its last record.
     */
    static List<OffsetUpdate> offsets(List<? extends ConsumerRecord<?, ?>> records, Map<TopicPartition, Long> expected) {
        Map<TopicPartition, Long> next = new LinkedHashMap<>();
        for (ConsumerRecord<?, ?> r : records) {
            next.merge(new TopicPartition(r.topic(), r.partition()), r.offset() + 1, Math::max);
        }
        List<OffsetUpdate> updates = new ArrayList<>(next.size());
        next.forEach((tp, n) -> updates.add(new OffsetUpdate(tp.topic(), tp.partition(), expected.getOrDefault(tp, -1L), n)));
        return updates;
    }
}
