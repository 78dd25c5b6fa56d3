package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * What PostgresTypeMatrixIT's matrix becomes in ClickHouse 18.16, as docs/types.md says: the column types the sink
 * creates, the hardest cells as the server gives them back, and each value an 18.x server cannot hold refused by
 * name, in order, with the target row keeping what it had.
 */
final class ClickHouseMatrix {

    private ClickHouseMatrix() {
    }

    static void assertRefusals(MatrixTarget.Bound target, String db, List<String> dead) {
        String range = " is outside ClickHouse Date (1970-01-01 to 2105-12-31)";
        String years = " is outside years 0 to 9999, which the sink stores";
        List<String> values = new ArrayList<>(List.of("column n: NaN has no value in ClickHouse Decimal(10, 2)"));
        for (String d : List.of("+999999999-12-31", "-999999999-01-01", "-0043-03-15", "+5874897-12-31", "9999-12-31",
                "0001-01-01", "1969-12-31", "2106-01-01")) {
            values.add("column d: date " + d + range);
        }
        for (String ts : List.of("+999999999-12-31T23:59:59.999999999", "-999999999-01-01T00:00", "-4712-01-01T00:00",
                "+294247-01-10T04:00:54.775806")) {
            values.add("column ts: timestamp " + ts + years);
        }
        for (String tz : List.of("+1000000000-12-31T23:59:59.999999999Z", "-1000000000-01-01T00:00:00Z")) {
            values.add("column tstz: timestamp " + tz + years);
        }
        values.add("column tstz: timestamp +294276-12-31T23:59:59.999999" + years);
        values.addAll(List.of("column ba: ClickHouse cannot keep the lower bounds of the ARRAY value [0:1]=[1, 2]",
                "column ba: ClickHouse cannot keep the lower bounds of the ARRAY value [-2:-1][3:4]=[[1, null], [3, 4]]",
                "column bt: ClickHouse cannot keep the lower bounds of the ARRAY value [5:6]=[a,b, null]",
                "column arr_tstz: timestamp +1000000000-12-31T23:59:59.999999999Z" + years,
                "column arr_tstz: timestamp -1000000000-01-01T00:00:00Z" + years,
                "column d: date +999999999-12-31" + range,
                "column ba: ClickHouse cannot keep the lower bounds of the ARRAY value [0:2]=[7, null, 9]"));
        List<String> keys = new ArrayList<>();
        // Rows 1 to 6 (NaN and infinite floats) and 22 (a timestamptz in 1 BC, year 0) are held.
        IntStream.rangeClosed(7, 28).filter(id -> id != 22)
                .forEach(id -> keys.add("(op r) on table " + db + ".unholdable, key {id=" + id + "}: "));
        keys.addAll(List.of("(op c) on table " + db + ".unholdable, key {id=102}: ",
                "(op c) on table " + db + ".unholdable, key {id=103}: "));
        assertThat(dead).hasSize(keys.size());
        for (int i = 0; i < dead.size(); i++) {
            assertThat(dead.get(i)).contains(keys.get(i) + values.get(i));
        }
        // Row 100 took the streamed -Infinity, which a Float32 holds.
        assertThat(target.query(db, "SELECT id, f4, f8, n, d, tstz FROM " + db + ".unholdable FINAL"
                + " WHERE _ferry_deleted = 0 AND id IN (1, 4, 22, 100, 101) ORDER BY id")).containsExactly(
                Arrays.asList("1", "nan", null, null, null, null),
                Arrays.asList("4", null, "nan", null, null, null),
                Arrays.asList("22", null, null, null, null, "0000-12-31T23:59:59.999999Z"),
                Arrays.asList("100", "-inf", null, "1.00", "2024-02-29", null),
                Arrays.asList("101", null, "nan", null, null, null));
        assertThat(target.query(db, "SELECT count() FROM " + db + ".unholdable FINAL WHERE _ferry_deleted = 0"))
                .containsExactly(List.of("9"));
    }

    static void assertTypesAndHardestCells(MatrixTarget.Bound target, String db) {
        // Decimal(p, s) for p <= 38 (numeric(40,20) and a domain, whose declared type names no precision, are text).
        assertThat(target.query(db, "SELECT table, name, type FROM system.columns WHERE database = '" + db + "'"
                + " AND name IN ('id', 'i2', 'i8', 'num', 'num_any', 'n', 'f4', 'f8', 'b', 'by', 'd', 'tm', 'ttz', 'ts',"
                + " 'tstz', 'iv', 'u', 'j', 'jb', 'm', 'dom_n', 'arr_i', 'md', 'mo', '_ferry_version', '_ferry_deleted')"
                + " AND (table = 'matrix' OR name = 'n') ORDER BY table, name")).containsExactly(
                List.of("matrix", "_ferry_deleted", "UInt8"), List.of("matrix", "_ferry_version", "UInt64"),
                List.of("matrix", "arr_i", "Nullable(String)"), List.of("matrix", "b", "Nullable(UInt8)"),
                List.of("matrix", "by", "Nullable(String)"), List.of("matrix", "d", "Nullable(Date)"),
                List.of("matrix", "dom_n", "Nullable(String)"), List.of("matrix", "f4", "Nullable(Float32)"),
                List.of("matrix", "f8", "Nullable(Float64)"), List.of("matrix", "i2", "Nullable(Int16)"),
                List.of("matrix", "i8", "Nullable(Int64)"), List.of("matrix", "id", "Int32"),
                List.of("matrix", "iv", "Nullable(String)"), List.of("matrix", "j", "Nullable(String)"),
                List.of("matrix", "jb", "Nullable(String)"), List.of("matrix", "m", "Nullable(String)"),
                List.of("matrix", "md", "Nullable(String)"), List.of("matrix", "mo", "Nullable(String)"),
                List.of("matrix", "num", "Nullable(String)"), List.of("matrix", "num_any", "Nullable(String)"),
                List.of("matrix", "tm", "Nullable(String)"), List.of("matrix", "ts", "Nullable(String)"),
                List.of("matrix", "tstz", "Nullable(String)"), List.of("matrix", "ttz", "Nullable(String)"),
                List.of("matrix", "u", "Nullable(UUID)"), List.of("unholdable", "n", "Nullable(Decimal(10, 2))"));

        String huge = "9".repeat(400) + "." + "9".repeat(400);
        String tiny = "-0." + "0".repeat(999) + "1";
        String hstore = "\"a\"=>\"1\", \"b c\"=>NULL, \"😀\"=>\"ü\"";
        String f8s = "[\"NaN\",\"Infinity\",\"-Infinity\",-0.0,4.9E-324,1.7976931348623157E308,null]";
        // 18.x prints day 0 (1970-01-01) as 0000-00-00; timestamps are fixed-width ISO text, µs kept.
        assertThat(target.query(db, "SELECT id, i8, num_any, f4, f8, tm, ttz, d, ts, tstz, iv, hex(by), u, mo, comp, hs,"
                + " arr_f8, md, arr_d, arr_tstz FROM " + db + ".matrix FINAL WHERE _ferry_deleted = 0 AND id IN (1, 2, 11)"
                + " ORDER BY id")).containsExactly(
                List.of("1", "9223372036854775807", huge, "3.4028235e38", "1.7976931348623157e308", "24:00:00.000000",
                        "24:00:00.000000+05:30", "2105-12-31", "9999-12-31T23:59:59.999999",
                        "9999-12-31T23:59:59.999999Z", "P178000000Y11M2147483647DT2562047788H54.775807S", "00FF0001",
                        "ffffffff-ffff-ffff-ffff-ffffffffffff", "$92,233,720,368,547,758.07",
                        "(2147483647,\"a \"\"b\"\", c 😀\")", hstore, f8s, "[[1,2],[3,null]]",
                        "[\"+999999999-12-31\",\"-999999999-01-01\",\"-4712-01-01\",\"9999-12-31\",null]",
                        "[\"2024-02-29T07:04:56.789012Z\"]"),
                List.of("2", "-9223372036854775808", tiny, "-3.4028235e38", "-1.7976931348623157e308", "00:00:00.000000",
                        "00:00:00.000000-15:59", "0000-00-00", "0001-01-01T00:00:00.000000",
                        "0001-01-01T00:00:00.000000Z", "P-178000000Y-11M-2147483648DT-2562047788H-54.775807S", "",
                        "00000000-0000-0000-0000-000000000000", "-$92,233,720,368,547,758.08", "(-2147483648,\"\")", "",
                        "[]", "[]", "[]", "[]"),
                List.of("11", "-9223372036854775808", "-Infinity", "3.4028235e38", "-5e-324", "24:00:00.000000",
                        "24:00:00.000000-15:59", "0000-00-00", "9999-12-31T23:59:59.999999",
                        "9999-12-31T23:59:59.999999Z", "P178000000Y11M2147483647DT2562047788H54.775807S", "00FF0001",
                        "ffffffff-ffff-ffff-ffff-ffffffffffff", "$92,233,720,368,547,758.07", "(-1,\"😀 \"\"q\"\"\")",
                        hstore + ", \"new 😀\"=>\"✓\"", f8s, "[[[1,null]],[[null,2]]]",
                        "[\"+999999999-12-31\",\"-999999999-01-01\",\"-4712-01-01\",\"9999-12-31\",null]",
                        "[\"2024-02-29T07:04:56.789012Z\"]"));
        // Deleted keys (3, 14, and 13 moved to 200) stay as tombstones a reader filters out.
        assertThat(target.query(db, "SELECT id FROM " + db + ".matrix FINAL WHERE _ferry_deleted = 1 ORDER BY id"))
                .containsExactly(List.of("3"), List.of("13"), List.of("14"));
    }
}
