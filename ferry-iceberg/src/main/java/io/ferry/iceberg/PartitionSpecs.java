package io.ferry.iceberg;

import io.ferry.core.FerryException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;

/**
 * Reads {@code sink.partition-by} values: a comma-separated list of {@code column}, {@code bucket(N, column)},
 * {@code truncate(N, column)}, {@code years|months|days|hours(column)}. Only key columns may partition a table:
 * a delete carries only the key, and its equality delete must land in the partition of the row it removes.
 */
final class PartitionSpecs {

    private static final Pattern TERM = Pattern.compile(
            "\\s*(?:(bucket|truncate)\\(\\s*(\\d+)\\s*,\\s*(.+?)\\s*\\)|(years|months|days|hours)\\(\\s*(.+?)\\s*\\)|([^(),]+))\\s*");

    private PartitionSpecs() {
    }

    /** What is wrong with a {@code partition-by} value, or null. */
    static String problem(String value) {
        return terms(value) == null ? "expected columns or bucket(N, col), truncate(N, col), years|months|days|hours(col),"
                + " separated by commas" : null;
    }

    /** The spec for {@code value} over {@code schema}; unpartitioned when null. */
    static PartitionSpec of(String value, Schema schema, List<String> keyColumns, String table) {
        if (value == null) {
            return PartitionSpec.unpartitioned();
        }
        PartitionSpec.Builder b = PartitionSpec.builderFor(schema);
        for (String[] t : terms(value)) {
            String column = t[2];
            if (schema.findField(column) == null) {
                throw new FerryException("sink.partition-by for " + table + " names column '" + column
                        + "', which the table does not have", null, false);
            }
            if (!keyColumns.contains(column)) {
                throw new FerryException("sink.partition-by for " + table + " names column '" + column
                        + "', which is not a key column: a delete carries only the key, so only key columns can"
                        + " partition the table", null, false);
            }
            switch (t[0]) {
                case "bucket" -> b.bucket(column, Integer.parseInt(t[1]));
                case "truncate" -> b.truncate(column, Integer.parseInt(t[1]));
                case "years" -> b.year(column);
                case "months" -> b.month(column);
                case "days" -> b.day(column);
                case "hours" -> b.hour(column);
                default -> b.identity(column);
            }
        }
        return b.build();
    }

    /** Each term as {transform, width or null, column}; null when the value does not parse. */
    private static List<String[]> terms(String value) {
        List<String[]> out = new ArrayList<>();
        Matcher m = TERM.matcher(value);
        int at = 0;
        while (at < value.length()) {
            m.region(at, value.length());
            if (!m.lookingAt()) {
                return null;
            }
            if (m.group(1) != null) {
                out.add(new String[] {m.group(1), m.group(2), m.group(3)});
            } else if (m.group(4) != null) {
                out.add(new String[] {m.group(4), null, m.group(5)});
            } else {
                out.add(new String[] {"identity", null, m.group(6).strip()});
            }
            at = m.end();
            if (at < value.length()) {
                if (value.charAt(at) != ',') {
                    return null;
                }
                at++;
            }
        }
        return out.isEmpty() ? null : out;
    }
}
