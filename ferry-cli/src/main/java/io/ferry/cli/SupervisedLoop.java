package io.ferry.cli;

import io.ferry.core.FerryException;
import io.ferry.core.health.Part;
import io.ferry.core.health.PipelineHealth;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One half of a pipeline (capture or apply) run until stopped: after a retriable failure (a database or
 * broker out of reach, an indefinite Kafka commit) it starts over with exponential backoff, and the pipeline's
 * {@link PipelineHealth} says which part is down, since when and when the next attempt is; a fatal failure ends
 * it and is kept for the caller. Any exception counts: one thrown by a library (say, out of a consumer's
 * rebalance callback) ends the loop as a failure with its message, never as a clean stop.
 */
abstract class SupervisedLoop implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(SupervisedLoop.class);
    /** Stack traces go to the log file only; people read the one-line message. */
    static final Logger TRACE = LoggerFactory.getLogger("io.ferry.trace");

    private final String name;
    protected final PipelineHealth health;
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final Object pauseLock = new Object();
    private volatile String state = "starting";
    private volatile boolean stopping;
    private volatile boolean paused;
    private volatile RuntimeException failure;

    SupervisedLoop(String name, PipelineHealth health) {
        this.name = name;
        this.health = health;
    }

    /** One attempt: connects, works until {@link #interruptAttempt()} or a failure, and cleans up. */
    protected abstract void attempt() throws InterruptedException;

    /** Asks the running attempt to return soon; called from another thread. */
    protected abstract void interruptAttempt();

    /** The part whose failure {@code e} is (a failure the attempt saw coming from Kafka, the source or the sink). */
    protected abstract Part partOf(RuntimeException e);

    @Override
    public final void run() {
        Backoff backoff = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30));
        int failedAttempts = 0;
        while (!stopping) {
            try {
                awaitResumed();
                if (stopping) {
                    break;
                }
                state = "running";
                attempt();
                backoff.reset();
                failedAttempts = 0;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                FerryException f = ferryCause(e);
                if (f == null && kafkaRetriable(e)) {
                    // A Kafka client's own "try again" (a timeout, a leader moving) that no Ferry code wrapped.
                    f = FerryException.retriable("Kafka: " + oneLine(e), e);
                }
                if (stopping) {
                    break;
                }
                if (f == null || !f.retriable()) {
                    failure = f != null ? f : new FerryException(name + " stopped on an unexpected error: "
                            + oneLine(e) + " (the stack trace is in the log file)", e, false);
                    state = "failed: " + failure.getMessage();
                    TRACE.error("{} failed", name, e);
                    break;
                }
                Duration wait = backoff.next();
                health.down(partOf(e), f.getMessage(), health.now().plus(wait));
                retrying(++failedAttempts, wait, f.getMessage());
                log.warn("{}: {}; retrying in {} ms", name, f.getMessage(), wait.toMillis());
                TRACE.warn("{} will retry", name, e);
                pause(wait);
            }
        }
        if (failure == null) {
            state = "stopped";
        }
    }

    /** The {@link FerryException} {@code e} is or wraps (a library may wrap what a callback threw), or null. */
    static FerryException ferryCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof FerryException f) {
                return f;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }

    private static boolean kafkaRetriable(Throwable e) {
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof org.apache.kafka.common.errors.RetriableException) {
                return true;
            }
        }
        return false;
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getName() : e.getClass().getSimpleName() + ": " + e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** Asks the loop to finish its current attempt cleanly and not start another. */
    final void stop() {
        stopping = true;
        stopRequested.countDown();
        synchronized (pauseLock) {
            pauseLock.notifyAll();
        }
        interruptAttempt();
    }

    /** Ends the running attempt and starts a new one at once (a new connection, positions read again). */
    void restart() {
        interruptAttempt();
    }

    final boolean stopping() {
        return stopping;
    }

    /**
     * Pauses the loop: by default the running attempt ends as it would on {@link #stop()} (its last batch
     * committed) and the next waits for {@link #resume()}. A loop that can hold still without ending its attempt
     * overrides {@link #onPause()}.
     */
    final void pause() {
        paused = true;
        onPause();
    }

    final void resume() {
        synchronized (pauseLock) {
            paused = false;
            pauseLock.notifyAll();
        }
        onResume();
    }

    final boolean paused() {
        return paused;
    }

    protected void onPause() {
        interruptAttempt();
    }

    protected void onResume() {
    }

    /**
     * Says the loop waits to try again: {@code retrying (attempt 3 failed, next in 8 s): <reason>}. Also for a loop
     * whose attempt retries inside itself (the applier waiting for its target).
     */
    protected final void retrying(int failedAttempts, Duration wait, String reason) {
        state = "retrying (attempt " + failedAttempts + " failed, next in " + Math.max(1, (wait.toMillis() + 999) / 1000)
                + " s): " + reason;
    }

    /** For a loop that pauses inside its attempt, to say so. */
    protected final void state(String s) {
        state = s;
    }

    private void awaitResumed() throws InterruptedException {
        synchronized (pauseLock) {
            while (paused && !stopping) {
                state = "paused";
                pauseLock.wait(200);
            }
        }
    }

    final String state() {
        return state;
    }

    /** The fatal error that ended the loop, or null. */
    final RuntimeException failure() {
        return failure;
    }

    /** Waits out a backoff, or less when stop() is called meanwhile. */
    private void pause(Duration d) {
        try {
            stopRequested.await(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping = true;
        }
    }
}
