package io.ferry.postgres;

import io.ferry.core.ChangeEvent;
import io.ferry.core.ChangeHandler;
import io.ferry.core.RecordingHandler;
import io.ferry.core.SourcePosition;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * A crash for the resume tests: hands everything to a {@link RecordingHandler} and stops the source once it has
 * seen {@code stopAfter} events that {@code counted} accepts. Acknowledges boundaries when asked to, as the
 * capture loop does after each Kafka commit.
 */
final class StoppingHandler implements ChangeHandler {

    final RecordingHandler recorded = new RecordingHandler();
    private final PostgresSource source;
    private final Predicate<ChangeEvent> counted;
    private final int stopAfter;
    private final boolean acknowledge;
    private int seen;

    StoppingHandler(PostgresSource source, Predicate<ChangeEvent> counted, int stopAfter, boolean acknowledge) {
        this.source = source;
        this.counted = counted;
        this.stopAfter = stopAfter;
        this.acknowledge = acknowledge;
    }

    @Override
    public Optional<TableSchema> published(TableId table) {
        return recorded.published(table);
    }

    @Override
    public void schema(TableSchema schema) {
        recorded.schema(schema);
    }

    @Override
    public void change(ChangeEvent event) {
        recorded.change(event);
        if (counted.test(event) && ++seen == stopAfter) {
            source.stop();
        }
    }

    @Override
    public void boundary(SourcePosition position) {
        recorded.boundary(position);
        if (acknowledge) {
            source.acknowledge(position);
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void idle() {
    }
}
