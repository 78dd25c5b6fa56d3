package io.ferry.core;

/** What a change did, with the one-letter code of the Debezium envelope's {@code op} field. */
public enum Operation {
    CREATE("c"), UPDATE("u"), DELETE("d"), READ("r"), TRUNCATE("t");

    private final String code;

    Operation(String code) {
        this.code = code;
    }

    /** The envelope code: c, u, d, r or t. */
    public String code() {
        return code;
    }
}
