package io.ferry.core;

import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;

/**
 * Hands everything to a {@link RecordingHandler}; once {@link #hold armed}, holds the capture thread at the next
 * change {@code at} accepts until {@link #release}: a test can then act while capture stands at a known point.
 */
public final class HoldingHandler implements ChangeHandler {

    public final RecordingHandler recorder;
    private final Predicate<ChangeEvent> at;
    private final CountDownLatch released = new CountDownLatch(1);
    private volatile boolean armed;
    private volatile boolean holding;

    public HoldingHandler(RecordingHandler recorder, Predicate<ChangeEvent> at) {
        this.recorder = recorder;
        this.at = at;
    }

    /** Holds the capture thread at the next change {@code at} accepts. */
    public void hold() {
        armed = true;
    }

    /** Whether the capture thread is held. */
    public boolean holding() {
        return holding;
    }

    /** Lets the capture thread go on, for good. */
    public void release() {
        armed = false;
        released.countDown();
    }

    @Override
    public Optional<TableSchema> published(TableId table) {
        return recorder.published(table);
    }

    @Override
    public void schema(TableSchema schema) {
        recorder.schema(schema);
    }

    @Override
    public void change(ChangeEvent e) {
        recorder.change(e);
        if (armed && at.test(e)) {
            holding = true;
            try {
                released.await();
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void boundary(SourcePosition position) {
        recorder.boundary(position);
    }

    @Override
    public void flush() {
        recorder.flush();
    }

    @Override
    public void idle() {
        recorder.idle();
    }
}
