package io.ferry.core.config;

import java.util.function.Function;

/**
 * A key under {@code sink:} that only some kinds read (an Iceberg warehouse, a ClickHouse commit interval),
 * declared by the kind's {@link io.ferry.core.connector.Connector#sinkOptions()} so the parser can check it
 * and name its line. A per-table option is a mapping {@code table pattern: value}; its values are kept under
 * {@code name.pattern}.
 *
 * @param fallback the value when the key is absent; null when absent means unset (or missing, when required)
 * @param problem  what is wrong with a given value, or null when it is fine
 */
public record SinkOption(String name, String fallback, boolean required, boolean perTable,
                         Function<String, String> problem) {

    /** An optional single-valued key accepting any text. */
    public static SinkOption of(String name, String fallback) {
        return new SinkOption(name, fallback, false, false, v -> null);
    }

    public SinkOption checkedBy(Function<String, String> check) {
        return new SinkOption(name, fallback, required, perTable, check);
    }

    public SinkOption requiredKey() {
        return new SinkOption(name, fallback, true, perTable, problem);
    }

    public SinkOption byTable() {
        return new SinkOption(name, fallback, required, true, problem);
    }
}
