package io.ferry.transform;

import io.ferry.core.ChangeEvent;
import io.ferry.core.ChangeHandler;
import io.ferry.core.SourcePosition;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The capture-side transform stage: sits between a source and the publisher, so what the transforms drop or
 * mask never reaches Kafka. Runs on the source's thread, as the publisher does.
 *
 * <p>The publisher keeps the transformed schema of a transformed table, which the source cannot compare its own
 * shape with: for such a table {@link #published} knows only the shapes this run saw, so after a restart the
 * source treats it as a table it has not published and reads it again (docs/pipeline.md).
 */
public final class TransformingHandler implements ChangeHandler {

    private final ChangeHandler next;
    private final Transforms transforms;
    private final Map<TableId, TableSchema> sourceShapes = new HashMap<>();

    public TransformingHandler(ChangeHandler next, Transforms transforms) {
        this.next = next;
        this.transforms = transforms;
    }

    @Override
    public Optional<TableSchema> published(TableId table) {
        if (!transforms.covers(table)) {
            return next.published(table);
        }
        return Optional.ofNullable(sourceShapes.get(table));
    }

    @Override
    public void schema(TableSchema schema) {
        TableTransform t = transforms.of(schema);
        if (t == null) {
            next.schema(schema);
        } else {
            sourceShapes.put(schema.table(), schema);
            next.schema(t.output());
        }
    }

    @Override
    public void change(ChangeEvent event) {
        TableTransform t = transforms.of(event.schema());
        if (t == null) {
            next.change(event);
            return;
        }
        ChangeEvent out = t.apply(event);
        if (out != null) {
            next.change(out);
        }
    }

    @Override
    public void boundary(SourcePosition position) {
        next.boundary(position);
    }

    @Override
    public void flush() {
        next.flush();
    }

    @Override
    public void idle() {
        next.idle();
    }
}
