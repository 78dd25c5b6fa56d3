package io.ferry.it;

/**
 * A MySQL/MariaDB table with a column of every type Ferry captures, and rows at the edges of each, shared by the
 * end-to-end tests with a MariaDB or MySQL 8 source. Timestamps are written with the session in UTC.
 */
final class MySqlTypes {

    private MySqlTypes() {
    }

    static final String CREATE = "CREATE TABLE types_t (id int PRIMARY KEY, ti tinyint, tiu tinyint unsigned,"
            + " si smallint, siu smallint unsigned, mi mediumint, miu mediumint unsigned, i int, iu int unsigned,"
            + " bi bigint, biu bigint unsigned, dec65 decimal(65,30), f float, d double, b10 bit(10), c char(5),"
            + " vc varchar(20), tx text, ltx longtext, bin binary(4), vb varbinary(10), bl blob, dt date,"
            + " tm time(6), dtm datetime(6), ts timestamp(6) NULL, y year, j json, e enum('small','large ☺'),"
            + " s set('x','y','z'))";

    static final String COLUMNS = "ti, tiu, si, siu, mi, miu, i, iu, bi, biu, dec65, f, d, b10, c, vc, tx, ltx,"
            + " bin, vb, bl, dt, tm, dtm, ts, y, j, e, s";

    static final String ROW_MAX = "127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295,"
            + " 9223372036854775807, 18446744073709551615,"
            + " 12345678901234567890123456789012345.123456789012345678901234567890, 3.1415927, 2.718281828459045,"
            + " b'1010101011', 'ab', 'héllo 😀', 'text ✓ 🚀', REPEAT('😀', 20000), x'01020000', x'00ff00',"
            + " x'0000ff00', '2024-02-29', '23:59:59.999999', '2024-01-02 03:04:05.123456',"
            + " '2038-01-19 03:14:07.654321', 2155, '{\"k\": \"ünï 😀\", \"n\": [1, 2.50], \"z\": null}', 'large ☺',"
            + " 'x,z'";

    static final String ROW_MIN = "-128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0,"
            + " -99999999999999999999999999999999999.000000000000000000000000000001, -1.5e-30, -1.7976931348623157e308,"
            + " b'0', '', '', '', '', x'00000000', x'', x'', '1000-01-01', '00:00:00', '1000-01-01 00:00:00',"
            + " '1970-01-01 00:00:01', 1901, '[]', 'small', ''";

    /** Rows 1 (maxima), 2 (minima) and 3 (nulls). */
    static final String[] INSERT_SNAPSHOT = {
        "SET time_zone = '+00:00'",
        "INSERT INTO types_t (id, " + COLUMNS + ") VALUES (1, " + ROW_MAX + "), (2, " + ROW_MIN + ")",
        "INSERT INTO types_t (id) VALUES (3)"};

    /** Every kind of row change, a column added, and rows using it. Leaves ids 1, 2, 11, 12, 13, 50. */
    static final String[] STREAM = {
        "SET time_zone = '+00:00'",
        "INSERT INTO types_t SELECT id + 10, " + COLUMNS + " FROM types_t",
        "UPDATE types_t SET vc = 'changed ✓', biu = 18446744073709551614, dec65 = -0.000000000000000000000000000001,"
                + " dtm = '9999-12-31 23:59:59.999999', bl = x'00', e = 'small', s = 'x,y,z' WHERE id = 1",
        "DELETE FROM types_t WHERE id = 3",
        "ALTER TABLE types_t ADD COLUMN added_note varchar(30), ADD COLUMN `Added At` datetime(6)",
        "UPDATE types_t SET added_note = 'after alter ✓', `Added At` = '2024-06-01 00:00:00.5' WHERE id = 11",
        "INSERT INTO types_t (id, i, added_note) VALUES (50, 50, 'new row, new column')"};

    /** A table with a reserved word, spaces, capitals and unicode in its identifiers. */
    static final String[] AWKWARD = {
        "CREATE TABLE `Order Items` (`Order ID` bigint, line int, `select` varchar(20), `Prïs €` decimal(12,2),"
                + " `user` varchar(20), `CamelCase` boolean, PRIMARY KEY (`Order ID`, line))",
        "INSERT INTO `Order Items` VALUES (1, 1, 'from', 9.99, 'ann', true), (1, 2, NULL, 0.01, 'bob', false),"
                + " (2, 1, 'where', 100.00, 'cé', NULL)"};

    /** Leaves keys (1,1), (2,1), (2,2), (3,1). */
    static final String[] AWKWARD_STREAM = {
        "INSERT INTO `Order Items` VALUES (3, 1, 'group', 1234567890.12, 'dé', true), (2, 2, 'order', NULL, NULL,"
                + " false)",
        "UPDATE `Order Items` SET `Prïs €` = 10.50, `select` = 'by' WHERE `Order ID` = 1 AND line = 1",
        "DELETE FROM `Order Items` WHERE `Order ID` = 1 AND line = 2"};
}
