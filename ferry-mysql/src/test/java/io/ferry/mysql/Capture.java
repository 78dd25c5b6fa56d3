package io.ferry.mysql;

import io.ferry.core.ChangeHandler;
import io.ferry.core.RecordingHandler;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/** Runs a {@link MySqlSource} on a background thread, as the pipeline runner would, for one test. */
final class Capture implements AutoCloseable {

    final MySqlSource source;
    final RecordingHandler handler;
    private final Thread thread;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    private Capture(MySqlSource source, RecordingHandler handler, ChangeHandler in, Map<String, Object> resume) {
        this.source = source;
        this.handler = handler;
        this.thread = new Thread(() -> {
            try {
                source.run(resume, in);
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "capture");
        thread.start();
    }

    /** Starts capturing; the handler acknowledges every boundary when {@code acknowledge} is set. */
    static Capture start(MySqlSource source, Map<String, Object> resume, boolean acknowledge) {
        RecordingHandler handler = acknowledge ? new RecordingHandler(source) : new RecordingHandler();
        return new Capture(source, handler, handler, resume);
    }

    /** Starts capturing into the given handler. */
    static Capture start(MySqlSource source, Map<String, Object> resume, RecordingHandler handler) {
        return new Capture(source, handler, handler, resume);
    }

    /** Starts capturing into {@code in}, which hands everything on to {@code handler}. */
    static Capture start(MySqlSource source, Map<String, Object> resume, ChangeHandler in, RecordingHandler handler) {
        return new Capture(source, handler, in, resume);
    }

    Throwable failure() {
        return failure.get();
    }

    /** Stops the source, waits for run() to return and rethrows what it threw. */
    @Override
    public void close() throws Exception {
        source.stop();
        thread.join(30_000);
        source.close();
        Throwable t = failure.get();
        if (t instanceof Exception e) {
            throw e;
        }
        if (t != null) {
            throw new AssertionError(t);
        }
    }
}
