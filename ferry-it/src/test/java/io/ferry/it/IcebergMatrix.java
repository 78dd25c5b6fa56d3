package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.iceberg.Schema;

/**
 * What PostgresTypeMatrixIT's matrix becomes in Iceberg tables, read back with Iceberg's generic reader, as
 * docs/types.md says: the table's types, the hardest values as Java objects, and each value Iceberg cannot hold
 * refused by name, in order, with the target row keeping what it had.
 */
final class IcebergMatrix {

    private static final String NS = MatrixTarget.LAKE_NAMESPACE;

    private IcebergMatrix() {
    }

    static void assertRefusals(MatrixTarget.Bound target, String warehouse, List<String> dead) {
        String date = " is outside Iceberg's date (int days from 1970-01-01)";
        String ts = " is outside Iceberg's timestamp (long microseconds from 1970)";
        String tz = " is outside Iceberg's timestamptz (long microseconds from 1970)";
        String bounds = "an Iceberg list cannot keep the lower bounds of the ARRAY value ";
        String dims = " has more dimensions than the Iceberg column's type ";
        Map<Integer, String> refused = new java.util.LinkedHashMap<>();
        refused.put(7, "column n: value NaN has no place in Iceberg type decimal(10, 2)");
        refused.put(8, "column d: date +999999999-12-31" + date);
        refused.put(9, "column d: date -999999999-01-01" + date);
        refused.put(12, "column ts: timestamp +999999999-12-31T23:59:59.999999999" + ts);
        refused.put(13, "column ts: timestamp -999999999-01-01T00:00" + ts);
        refused.put(16, "column tstz: timestamp +1000000000-12-31T23:59:59.999999999Z" + tz);
        refused.put(17, "column tstz: timestamp -1000000000-01-01T00:00:00Z" + tz);
        refused.put(19, "column tstz: timestamp +294276-12-31T23:59:59.999999Z" + tz);
        refused.put(20, "column ba: " + bounds + "[0:1]=[1, 2]");
        refused.put(21, "column ba: " + bounds + "[-2:-1][3:4]=[[1, null], [3, 4]]");
        refused.put(22, "column bt: " + bounds + "[5:6]=[a,b, null]");
        refused.put(23, "column arr_tstz: timestamp +1000000000-12-31T23:59:59.999999999Z" + tz);
        refused.put(24, "column arr_tstz: timestamp -1000000000-01-01T00:00:00Z" + tz);
        refused.put(25, "column md_n: the ARRAY value [[1, 2], [3, null]]" + dims + "list<int>");
        refused.put(26, "column md_n: the ARRAY value [[[1]], [[null]]]" + dims + "list<int>");
        refused.put(27, "column md_nt: the ARRAY value [[a], [null]]" + dims + "list<string>");
        refused.put(28, "column arr_d: date +999999999-12-31" + date);
        refused.put(29, "column arr_d: date -999999999-01-01" + date);
        refused.put(30, "column tm: time 24:00:00 has no Iceberg time (00:00:00 to 23:59:59.999999)");
        List<String> expected = new ArrayList<>();
        refused.forEach((id, value) -> expected.add("(op r), key {id=" + id + "}: " + value));
        expected.add("(op c), key {id=102}: column d: date +999999999-12-31" + date);
        expected.add("(op c), key {id=103}: column ba: " + bounds + "[0:2]=[7, null, 9]");
        assertThat(dead).hasSize(expected.size());
        for (int i = 0; i < dead.size(); i++) {
            assertThat(dead.get(i)).contains("Iceberg table " + NS + ".unholdable refused").contains(expected.get(i));
        }
        // Held: NaN and infinite floats, PostgreSQL's first and last finite dates, 4713 BC and the last timestamp a
        // long of µs holds, 1 BC with a zone; row 100 took the streamed -Infinity.
        List<List<Object>> rows = target.lake(warehouse).rows(NS, "unholdable", "id", "f4", "n", "d", "ts", "tstz");
        assertThat(rows).extracting(r -> r.get(0)).containsExactlyElementsOf(
                IntStream.of(1, 2, 3, 4, 5, 6, 10, 11, 14, 15, 18, 100, 101).boxed().toList());
        assertThat(rows).extracting(r -> String.valueOf(r.get(3))).contains("-0043-03-15", "+5874897-12-31");
        assertThat(rows).extracting(r -> String.valueOf(r.get(4))).contains("-4712-01-01T00:00",
                "+294247-01-10T04:00:54.775806");
        assertThat(rows).extracting(r -> String.valueOf(r.get(5))).contains("0000-12-31T23:59:59.999999Z");
        assertThat(rows.get(11)).extracting(String::valueOf)
                .containsExactly("100", "-Infinity", "1.00", "2024-02-29", "null", "null");
    }

    static void assertTypesAndHardestCells(MatrixTarget.Bound target, String warehouse) {
        Schema schema = target.lake(warehouse).table(NS, "matrix").schema();
        Map<String, String> types = new java.util.LinkedHashMap<>();
        for (String c : List.of("id", "i2", "i8", "num", "num_any", "f4", "f8", "b", "by", "d", "tm", "ttz", "ts",
                "tstz", "iv", "u", "j", "m", "dom_n", "arr_i", "arr_tstz", "md")) {
            types.put(c, schema.findField(c).type().toString() + (schema.findField(c).isRequired() ? " required" : ""));
        }
        // numeric(40,20) is wider than 38 digits and a domain names no precision: text, exact.
        assertThat(types).containsExactlyEntriesOf(orderedMap("id", "int required", "i2", "int", "i8", "long",
                "num", "string", "num_any", "string", "f4", "float", "f8", "double", "b", "boolean", "by", "binary",
                "d", "date", "tm", "time", "ttz", "string", "ts", "timestamp", "tstz", "timestamptz", "iv", "string",
                "u", "uuid", "j", "string", "m", "string", "dom_n", "string", "arr_i", "list<int>",
                "arr_tstz", "list<timestamptz>", "md", "list<int>"));
        assertThat(target.lake(warehouse).table(NS, "unholdable").schema().findField("n").type().toString())
                .isEqualTo("decimal(10, 2)");
        assertThat(schema.identifierFieldNames()).containsExactly("id");

        String huge = "9".repeat(400) + "." + "9".repeat(400);
        String tiny = "-0." + "0".repeat(999) + "1";
        String f8s = "[NaN, Infinity, -Infinity, -0.0, 4.9E-324, 1.7976931348623157E308, null]";
        List<List<String>> cells = new ArrayList<>();
        for (List<Object> r : target.lake(warehouse).rows(NS, "matrix", "id", "i8", "num_any", "f4", "f8", "tm", "d",
                "ts", "tstz", "u", "by", "arr_f8", "md", "arr_tstz")) {
            if (List.of(1, 2, 11).contains(r.get(0))) {
                cells.add(r.stream().map(v -> v instanceof ByteBuffer b ? HexFormat.of().formatHex(bytes(b))
                        : String.valueOf(v)).toList());
            }
        }
        assertThat(cells).containsExactly(
                List.of("1", "9223372036854775807", huge, "3.4028235E38", "1.7976931348623157E308", "23:59:59.999999",
                        "9999-12-31", "9999-12-31T23:59:59.999999", "9999-12-31T23:59:59.999999Z",
                        "ffffffff-ffff-ffff-ffff-ffffffffffff", "00ff0001", f8s, "[1, 2, 3, null]",
                        "[2024-02-29T07:04:56.789012Z]"),
                List.of("2", "-9223372036854775808", tiny, "-3.4028235E38", "-1.7976931348623157E308", "00:00",
                        "0001-01-01", "0001-01-01T00:00", "0001-01-01T00:00Z", "00000000-0000-0000-0000-000000000000",
                        "", "[]", "[]", "[]"),
                List.of("11", "-9223372036854775808", "-Infinity", "3.4028235E38", "-4.9E-324", "00:00:00.000001",
                        "0001-01-01", "9999-12-31T23:59:59.999999", "9999-12-31T23:59:59.999999Z",
                        "ffffffff-ffff-ffff-ffff-ffffffffffff", "00ff0001", f8s, "[1, null, null, 2]",
                        "[2024-02-29T07:04:56.789012Z]"));
        // Deleted keys (3, 14, and 13 moved to 200) are gone from what a reader sees.
        assertThat(target.lake(warehouse).rows(NS, "matrix", "id")).extracting(r -> r.get(0))
                .containsExactly(1, 2, 4, 5, 11, 12, 15, 200);
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    private static Map<String, String> orderedMap(String... kv) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }
}
