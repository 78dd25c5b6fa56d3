package io.ferry.core;

import io.ferry.core.schema.SchemaHistory;

import java.util.List;
import java.util.Map;

/**
 * A target database that applies changes read from Kafka exactly once: each {@link #apply} commits the
 * rows and the Kafka offsets they came from in one target transaction. Not thread-safe; one per applier.
 */
public interface Sink extends AutoCloseable {

    /**
     * Makes the target ready for rows of this schema version: creates the table, or changes it by the sink's
     * schema-change policy. {@code history} holds the earlier versions, to tell what changed since the version
     * the target holds (a rename from a drop and an add).
     */
    void ensureTable(TableSchema schema, SchemaHistory history);

    /** The next offset to read of each partition of {@code topic} stored in the target; absent when none. */
    Map<Integer, Long> storedOffsets(String topic);

    /**
     * Applies the events in order and moves every partition's stored offset from its expected to its new
     * value, all in one target transaction.
     *
     * @throws PartitionLostException when a stored offset is not the expected one: another applier owns
     *                                the partition now; nothing was written
     * @throws RejectedChangeException when one event cannot be applied (type, constraint); nothing was
     *                                 written
     * @throws FerryException          retriable when the target is unreachable; nothing was written
     */
    void apply(List<ChangeEvent> events, List<OffsetUpdate> offsets);

    @Override
    void close();

    /** Moves {@code topic}/{@code partition} from {@code expectedNext} (-1: no row yet) to {@code newNext}. */
    record OffsetUpdate(String topic, int partition, long expectedNext, long newNext) {
    }

    /** Another applier committed this partition since we read its offset: we lost it in a rebalance. */
    final class PartitionLostException extends FerryException {
        public PartitionLostException(String message) {
            super(message);
        }
    }

    /** One event the target refuses; {@link #index()} is its position in the batch given to apply. */
    final class RejectedChangeException extends FerryException {
        private final int index;

        public RejectedChangeException(int index, String reason, Throwable cause) {
            super(reason, cause, false);
            this.index = index;
        }

        public int index() {
            return index;
        }
    }
}
