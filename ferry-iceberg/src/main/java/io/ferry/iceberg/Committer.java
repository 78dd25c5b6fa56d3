package io.ferry.iceberg;

import io.ferry.core.FerryException;
import io.ferry.core.Sink.PartitionLostException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.RowDelta;
import org.apache.iceberg.Table;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.WriteResult;

/**
 * Commits one table's batch as one Iceberg transaction (a truncate, then the row delta), its snapshot summary
 * carrying every topic's offsets. A check-and-set: the table's newest snapshot must still have the offsets the
 * batch started from. Tables are created with {@code commit.retry.num-retries=0}, so Iceberg never replays the
 * commit over another writer's; this class retries itself, checking again each time.
 */
final class Committer {

    private static final int ATTEMPTS = 5;

    private final IcebergSink.TableState state;
    private final Function<String, Map<Integer, Long>> committed;

    Committer(IcebergSink.TableState state, Function<String, Map<Integer, Long>> committed) {
        this.state = state;
        this.committed = committed;
    }

    void commit() {
        PendingBatch batch = state.pending;
        List<WriteResult> results;
        try {
            results = batch.complete();
        } catch (IOException | UncheckedIOException e) {
            throw new FerryException("cannot finish Iceberg data files of " + state.id + ": " + e.getMessage(), e,
                    true);
        }
        RuntimeException last = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Table table = state.table;
            Map<String, Map<Integer, Long>> summary;
            try {
                table.refresh();
                summary = offsetsAfter(batch);
            } catch (UncheckedIOException e) {
                throw new FerryException("cannot read Iceberg table " + state.id + ": " + e.getMessage(), e, true);
            }
            try {
                Transaction txn = table.newTransaction();
                if (batch.truncated()) {
                    txn.newDelete().deleteFromRowFilter(Expressions.alwaysTrue()).commit();
                }
                RowDelta delta = txn.newRowDelta();
                for (WriteResult r : results) {
                    for (DataFile f : r.dataFiles()) {
                        delta.addRows(f);
                    }
                    for (DeleteFile f : r.deleteFiles()) {
                        delta.addDeletes(f);
                    }
                }
                summary.forEach((topic, offsets) -> delta.set(SnapshotOffsets.PREFIX + topic,
                        SnapshotOffsets.json(offsets)));
                delta.commit();
                txn.commitTransaction();
                return;
            } catch (CommitFailedException e) {
                last = e; // another writer committed first: check the offsets again
            } catch (CommitStateUnknownException e) {
                last = e;
                table.refresh();
                if (reached(batch)) {
                    return;
                }
            } catch (UncheckedIOException e) {
                throw new FerryException("cannot commit to Iceberg table " + state.id + ": " + e.getMessage(), e,
                        true);
            }
        }
        throw new FerryException("cannot commit to Iceberg table " + state.id + " after " + ATTEMPTS
                + " attempts: " + (last == null ? "" : last.getMessage()), last, true);
    }

    /**
     * Every topic's offsets after this batch: the table's own, the newest committed for the batch's topics, and
     * the batch's. Throws when a partition of the batch no longer starts where the batch does.
     */
    private Map<String, Map<Integer, Long>> offsetsAfter(PendingBatch batch) {
        Map<String, Map<Integer, Long>> out = new TreeMap<>();
        SnapshotOffsets.read(state.table).forEach((t, o) -> out.put(t, new TreeMap<>(o)));
        for (Map.Entry<String, Map<Integer, long[]>> topic : batch.offsets().entrySet()) {
            Map<Integer, Long> now = committed.apply(topic.getKey());
            Map<Integer, Long> merged = out.computeIfAbsent(topic.getKey(), k -> new TreeMap<>());
            now.forEach((p, n) -> merged.merge(p, n, Math::max));
            for (Map.Entry<Integer, long[]> p : topic.getValue().entrySet()) {
                long have = now.getOrDefault(p.getKey(), -1L);
                if (have != p.getValue()[0]) {
                    throw new PartitionLostException("partition " + topic.getKey() + "/" + p.getKey()
                            + " moved to offset " + have + " in Iceberg table " + state.id + " while this applier's"
                            + " batch from " + p.getValue()[0] + " was uncommitted: another applier owns it now");
                }
                merged.put(p.getKey(), p.getValue()[1]);
            }
        }
        return out;
    }

    /** Whether the table already has the batch's offsets: a commit whose outcome was unknown went through. */
    private boolean reached(PendingBatch batch) {
        Map<String, Map<Integer, Long>> now = SnapshotOffsets.read(state.table);
        for (Map.Entry<String, Map<Integer, long[]>> topic : batch.offsets().entrySet()) {
            for (Map.Entry<Integer, long[]> p : topic.getValue().entrySet()) {
                Long have = now.getOrDefault(topic.getKey(), Map.of()).get(p.getKey());
                if (have == null || have != p.getValue()[1]) {
                    return false;
                }
            }
        }
        return !batch.offsets().isEmpty();
    }
}
