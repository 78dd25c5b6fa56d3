package io.ferry.cli;

import java.time.Duration;

/** Exponential backoff between retries of a failed connection: 0.5 s, 1 s, 2 s ... capped, reset on success. */
final class Backoff {

    private final Duration first;
    private final Duration max;
    private Duration next;

    Backoff(Duration first, Duration max) {
        this.first = first;
        this.max = max;
        this.next = first;
    }

    /** The delay before the next attempt; each call doubles the following one up to the cap. */
    Duration next() {
        Duration d = next;
        Duration doubled = next.multipliedBy(2);
        next = doubled.compareTo(max) > 0 ? max : doubled;
        return d;
    }

    void reset() {
        next = first;
    }
}
