package io.ferry.mysql;

import io.ferry.core.ChangeEvent;
import io.ferry.core.ChangeHandler;
import io.ferry.core.Source;
import io.ferry.core.SourcePosition;
import io.ferry.core.TableSchema;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** An in-memory {@link ChangeHandler} that records every call, in order; optionally acknowledges each boundary. */
final class RecordingHandler implements ChangeHandler {

    final List<Object> calls = new CopyOnWriteArrayList<>();
    final List<TableSchema> schemas = new CopyOnWriteArrayList<>();
    final List<ChangeEvent> changes = new CopyOnWriteArrayList<>();
    final List<SourcePosition> boundaries = new CopyOnWriteArrayList<>();
    private final Source ackTo;
    /** Run on the capture thread at each flush (the end of a snapshot), before the call is recorded. */
    volatile Runnable onFlush = () -> { };

    RecordingHandler() {
        this(null);
    }

    /** Acknowledges every boundary to {@code ackTo} at once, as a publisher would after committing. */
    RecordingHandler(Source ackTo) {
        this.ackTo = ackTo;
    }

    @Override
    public void schema(TableSchema schema) {
        schemas.add(schema);
        calls.add(schema);
    }

    @Override
    public void change(ChangeEvent event) {
        changes.add(event);
        calls.add(event);
    }

    @Override
    public void boundary(SourcePosition position) {
        boundaries.add(position);
        calls.add(position);
        if (ackTo != null) {
            ackTo.acknowledge(position);
        }
    }

    @Override
    public void flush() {
        onFlush.run();
        calls.add("flush");
    }

    @Override
    public void idle() {
    }

    /** What {@link SourcePosition#describe} writes, as the offsets topic would hold it. */
    static Map<String, Object> describe(SourcePosition p) {
        Map<String, Object> out = new LinkedHashMap<>();
        p.describe(new SourcePosition.Fields() {
            @Override
            public void put(String name, long value) {
                out.put(name, value);
            }

            @Override
            public void put(String name, String value) {
                out.put(name, value);
            }

            @Override
            public void put(String name, boolean value) {
                out.put(name, value);
            }
        });
        return out;
    }

    List<ChangeEvent> changesOf(String table) {
        return changes.stream().filter(e -> e.table().table().equals(table)).toList();
    }
}
