package io.ferry.sink.jdbc;

import io.ferry.core.Sink.PartitionLostException;
import io.ferry.core.Sink.OffsetUpdate;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * The first step of a JDBC sink's exactly-once commit: every partition's stored offset is checked and moved
 * before any row is written, in the same transaction. An applier that lost a partition learns it before writing
 * anything, and the row lock the move takes makes a second applier of the same partition wait, then fail.
 */
public final class OffsetsFirst {

    /** Moves one partition's stored offset; false when the stored one is not the expected one. */
    @FunctionalInterface
    public interface Move {
        boolean move(Connection c, OffsetUpdate u) throws SQLException;
    }

    private OffsetsFirst() {
    }

    /**
     * Moves every offset, or rolls back (with {@code rollback}) and throws {@link PartitionLostException}
     * naming the partition, {@code table} and {@code target}.
     */
    public static void moveAll(Connection c, List<OffsetUpdate> updates, Move offsets, String table, String target,
                               Runnable rollback) throws SQLException {
        for (OffsetUpdate u : updates) {
            if (!offsets.move(c, u)) {
                rollback.run();
                throw new PartitionLostException("partition " + u.topic() + "/" + u.partition()
                        + " no longer has stored offset " + u.expectedNext() + " in " + table + " on " + target
                        + ": another applier owns it now");
            }
        }
    }
}
