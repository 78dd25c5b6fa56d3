package io.ferry.core;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Records what a source hands over, in order, and optionally acknowledges each boundary; shipped in ferry-core's
 * test-jar for the sources' tests. {@link #published} answers with the newest schema recorded (or preset).
 */
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

    /** Schemas "published by an earlier run", consulted by {@link #published} after the recorded ones. */
    public final Map<TableId, TableSchema> earlierRuns = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public Optional<TableSchema> published(TableId table) {
        for (int i = schemas.size() - 1; i >= 0; i--) {
            if (schemas.get(i).table().equals(table)) {
                return Optional.of(schemas.get(i));
            }
        }
        return Optional.ofNullable(earlierRuns.get(table));
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
        return describe(p, true);
    }

    /** What {@link SourcePosition#describe} alone writes: an event's own source block. */
    public static Map<String, Object> describeEvent(SourcePosition p) {
        return describe(p, false);
    }

    private static Map<String, Object> describe(SourcePosition p, boolean resume) {
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
        if (resume) {
            p.describeResume(fields);
        }
        return out;
    }

    public List<ChangeEvent> changesOf(String table) {
        return changes.stream().filter(e -> e.table().table().equals(table)).toList();
    }
}
