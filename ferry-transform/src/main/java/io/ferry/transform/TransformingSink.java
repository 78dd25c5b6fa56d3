package io.ferry.transform;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Sink;
import io.ferry.core.TableSchema;
import io.ferry.core.schema.SchemaHistory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The apply-side transform stage: a {@link Sink} that transforms each event before the target's sink sees it,
 * so one topic can feed differently shaped targets. Offsets still move in the target's transaction, also for
 * batches whose events the filter dropped. Not thread-safe, like the sink it wraps.
 */
public final class TransformingSink implements Sink {

    private final Sink target;
    private final Transforms transforms;

    public TransformingSink(Sink target, Transforms transforms) {
        this.target = target;
        this.transforms = transforms;
    }

    @Override
    public void ensureTable(TableSchema schema, SchemaHistory history) {
        TableTransform t = transforms.of(schema);
        if (t == null) {
            target.ensureTable(schema, history);
            return;
        }
        target.ensureTable(t.output(), (table, version) -> {
            Optional<TableSchema> earlier = history.version(schema.table(), version);
            return earlier.map(transforms::output);
        });
    }

    @Override
    public Map<Integer, Long> storedOffsets(String topic) {
        return target.storedOffsets(topic);
    }

    @Override
    public void apply(List<ChangeEvent> events, List<OffsetUpdate> offsets) {
        List<ChangeEvent> out = new ArrayList<>(events.size());
        int[] origin = new int[events.size()];
        for (int i = 0; i < events.size(); i++) {
            ChangeEvent e = events.get(i);
            TableTransform t = transforms.of(e.schema());
            ChangeEvent mapped = t == null ? e : t.apply(e);
            if (mapped != null) {
                origin[out.size()] = i;
                out.add(mapped);
            }
        }
        try {
            target.apply(out, offsets);
        } catch (RejectedChangeException r) {
            // The applier names and dead-letters the record it read, so the index is the one it gave us.
            throw new RejectedChangeException(origin[r.index()], r.getMessage(), r.getCause());
        }
    }

    @Override
    public void close() {
        target.close();
    }
}
