package io.ferry.clickhouse;

/**
 * The ClickHouse server's version and the features the sink uses only where the server has them. Debian's 18.16
 * lacks all three; 24.x has them all.
 */
record ServerVersion(int major, int minor) {

    /** Parses {@code SELECT version()}'s answer, e.g. {@code 18.16.1} or {@code 24.8.4.13}. */
    static ServerVersion parse(String text) {
        String[] parts = text.trim().split("\\.");
        try {
            return new ServerVersion(Integer.parseInt(parts[0]), parts.length > 1 ? Integer.parseInt(parts[1]) : 0);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a ClickHouse version: " + text, e);
        }
    }

    private boolean atLeast(int maj, int min) {
        return major > maj || major == maj && minor >= min;
    }

    /** {@code DateTime64(6)} (20.1): timestamps with microseconds in a native time type. */
    boolean hasDateTime64() {
        return atLeast(20, 1);
    }

    /** {@code Date32} (21.9): dates from 1900 to 2299 instead of 1970 to 2149. */
    boolean hasDate32() {
        return atLeast(21, 9);
    }

    /** {@code ReplacingMergeTree(version, is_deleted)} (23.2): {@code FINAL} hides deleted rows itself. */
    boolean hasIsDeleted() {
        return atLeast(23, 2);
    }

    /** {@code ALTER TABLE ... RENAME COLUMN} (20.4); before it a rename copies the column by a mutation. */
    boolean hasRenameColumn() {
        return atLeast(20, 4);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
