package io.ferry.transform;

import io.ferry.core.ChangeEvent;
import io.ferry.core.ChangeHandler;
import io.ferry.core.SourcePosition;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import java.util.Optional;

/**
 * The capture-side transform stage: sits between a source and the publisher, so what the transforms drop or
 * mask never reaches Kafka. Runs on the source's thread, as the publisher does.
 *
 * <p>Kafka holds the transformed schema of a transformed table, which the source cannot compare its own shape
 * with: for such a table {@link #published} answers with the source shape recorded beside it
 * ({@link ChangeHandler#recordSourceShape}), so a restart sees what changed while Ferry was down and nothing more.
 */
public final class TransformingHandler implements ChangeHandler {

    private final ChangeHandler next;
    private final Transforms transforms;

    public TransformingHandler(ChangeHandler next, Transforms transforms) {
        this.next = next;
        this.transforms = transforms;
    }

    @Override
    public Optional<TableSchema> published(TableId table) {
        if (!transforms.covers(table)) {
            return next.published(table);
        }
        return next.recordedSourceShape(table);
    }

    @Override
    public void schema(TableSchema schema) {
        TableTransform t = transforms.of(schema);
        if (t == null) {
            next.schema(schema);
        } else {
            next.recordSourceShape(schema);
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
