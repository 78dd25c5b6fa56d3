package io.ferry.cli;

import io.ferry.core.FerryException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One half of a pipeline (capture or apply) run until stopped: after a retriable failure (a database or
 * broker out of reach, an indefinite Kafka commit) it starts over with exponential backoff, and its state
 * says what it waits for; a fatal failure ends it and is kept for the caller.
 */
abstract class SupervisedLoop implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(SupervisedLoop.class);

    private final String name;
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final Object pauseLock = new Object();
    private volatile String state = "starting";
    private volatile boolean stopping;
    private volatile boolean paused;
    private volatile RuntimeException failure;

    SupervisedLoop(String name) {
        this.name = name;
    }

    /** One attempt: connects, works until {@link #interruptAttempt()} or a failure, and cleans up. */
    protected abstract void attempt() throws InterruptedException;

    /** Asks the running attempt to return soon; called from another thread. */
    protected abstract void interruptAttempt();

    @Override
    public final void run() {
        Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30));
        while (!stopping) {
            try {
                awaitResumed();
                if (stopping) {
                    break;
                }
                state = "running";
                attempt();
                backoff.reset();
            } catch (FerryException e) {
                if (!e.retriable() || stopping) {
                    if (!stopping) {
                        failure = e;
                        state = "failed: " + e.getMessage();
                    }
                    break;
                }
                Duration wait = backoff.next();
                state = "retrying in " + wait.toSeconds() + "s: " + e.getMessage();
                log.warn("{}: {}; retrying in {} s", name, e.getMessage(), wait.toSeconds());
                pause(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (failure == null) {
            state = "stopped";
        }
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
