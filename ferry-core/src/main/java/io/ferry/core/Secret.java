package io.ferry.core;

/** A password or key. Its {@link #toString()} never shows the value, so it cannot leak into logs. */
public final class Secret {

    private final String value;

    public Secret(String value) {
        this.value = value;
    }

    /** The value, for the one call that needs it (a JDBC or Kafka login). */
    public String reveal() {
        return value;
    }

    @Override
    public String toString() {
        return "[hidden]";
    }
}
