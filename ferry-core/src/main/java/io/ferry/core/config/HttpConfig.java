package io.ferry.core.config;

import io.ferry.core.Secret;
import java.util.Locale;

/**
 * The HTTP API, metrics and dashboard that {@code ferry run} serves (the pipeline file's {@code http:} block).
 *
 * @param enabled   false to serve nothing
 * @param bind      the address to listen on; anything but loopback needs {@code authToken}
 * @param port      the port to listen on; 0 picks a free one
 * @param authToken the bearer token every request must carry, or null (loopback only)
 */
public record HttpConfig(boolean enabled, String bind, int port, Secret authToken) {

    /** Kafka Connect's REST port, so its users find Ferry's API where they expect it. */
    public static final int DEFAULT_PORT = 8083;

    /** Served on {@code 127.0.0.1:8083} without a token. */
    public static HttpConfig defaults() {
        return new HttpConfig(true, "127.0.0.1", DEFAULT_PORT, null);
    }

    /** Whether {@code bind} names this machine's loopback interface only (no name is looked up). */
    public static boolean isLoopback(String bind) {
        String b = bind.strip().toLowerCase(Locale.ROOT);
        return b.equals("localhost") || b.startsWith("127.") || b.equals("::1") || b.equals("[::1]");
    }
}
