package io.ferry.core;

/**
 * A failure with a message meant for the person running Ferry: it says what is wrong and, where it can,
 * what to do. {@link #retriable()} tells whether retrying the same operation may succeed.
 */
public class FerryException extends RuntimeException {

    private final boolean retriable;

    public FerryException(String message) {
        this(message, null, false);
    }

    public FerryException(String message, Throwable cause, boolean retriable) {
        super(message, cause);
        this.retriable = retriable;
    }

    /** A transient failure (connection lost, broker unavailable) that may succeed when retried. */
    public static FerryException retriable(String message, Throwable cause) {
        return new FerryException(message, cause, true);
    }

    public boolean retriable() {
        return retriable;
    }
}
