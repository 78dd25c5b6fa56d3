package io.ferry.core;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** An in-memory {@link ChangeHandler} that records every call, in order; optionally acknowledges each boundary. */
/** Records what a source hands over, in order; shipped in ferry-core's test-jar for the sources' tests. */
public final class RecordingHandler implements ChangeHandler {

    public final List<Object> calls = new CopyOnWriteArrayList<>();
    public final List<TableSchema> schemas = new CopyOnWriteArrayList<>();
    public final List<ChangeEvent> changes = new CopyOnWriteArrayList<>();
    public final List<SourcePosition> boundaries = new CopyOnWriteArrayList<>();
    private final Source ackTo;
    /** Run on the capture thread at each flush (the end of a snapshot), before the call is recorded. */
    public volatile Runnable onFlush = () -> { };

    public RecordingHandler() {
        this(null);
    }

    /** Acknowledges every boundary to {@code ackTo} at once, as a publisher would after committing. */
    public RecordingHandler(Source ackTo) {
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

    /** What {@link SourcePosition#describe} and {@link SourcePosition#describeResume} write, as offsets hold it. */
    public static Map<String, Object> describe(SourcePosition p) {
        Map<String, Object> out = new LinkedHashMap<>();
        SourcePosition.Fields fields = new SourcePosition.Fields() {
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
        };
        p.describe(fields);
        p.describeResume(fields);
        return out;
    }

    public List<ChangeEvent> changesOf(String table) {
        return changes.stream().filter(e -> e.table().table().equals(table)).toList();
    }
}
