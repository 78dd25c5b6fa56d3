package io.ferry.clickhouse;

/** A value the ClickHouse column cannot hold exactly; the sink rejects its event instead of storing another value. */
final class UnfitValueException extends RuntimeException {

    UnfitValueException(String message) {
        super(message, null, false, false);
    }
}
