package io.ferry.clickhouse;

/** Where {@link CellText} writes one value's text: a TSV field, or a RowBinary cell that parses it by column type. */
interface CellOut {

    /** Text that needs no escapes: digits, dates, UUIDs, {@code nan}. */
    void plain(String text);

    void text(String text);

    void bytes(byte[] bytes);
}
