package io.ferry.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The final table each benchmark prints: one row per measured number. {@link #sideBySide} puts the same metrics of
 * several runs (MariaDB and MySQL) into one table with a value column per run.
 */
final class ResultTable {

    private record Row(String metric, List<String> values, String unit, String note) {
    }

    private final String title;
    private final List<String> valueColumns;
    private final String unitHeader;
    private final List<Row> rows = new ArrayList<>();

    ResultTable(String title) {
        this(title, List.of("value"), "unit");
    }

    /** A table whose value and unit columns are headed otherwise, e.g. "measured" and "goal". */
    ResultTable(String title, String valueHeader, String unitHeader) {
        this(title, List.of(valueHeader), unitHeader);
    }

    private ResultTable(String title, List<String> valueColumns, String unitHeader) {
        this.title = title;
        this.valueColumns = List.copyOf(valueColumns);
        this.unitHeader = unitHeader;
    }

    ResultTable add(String metric, String value, String unit, String note) {
        rows.add(new Row(metric, List.of(value), unit, note));
        return this;
    }

    /**
     * One table with a value column per table in {@code tables} (headed by {@code columns}), a row per metric in
     * the order the metrics first appear; a metric a table lacks shows "-". Notes are left out: the tables
     * themselves carry them.
     */
    static ResultTable sideBySide(String title, List<String> columns, List<ResultTable> tables) {
        if (columns.size() != tables.size()) {
            throw new IllegalArgumentException(columns.size() + " column names for " + tables.size() + " tables");
        }
        Map<String, String> units = new LinkedHashMap<>();
        for (ResultTable t : tables) {
            for (Row r : t.rows) {
                units.putIfAbsent(r.metric, r.unit);
            }
        }
        ResultTable combined = new ResultTable(title, columns, "unit");
        units.forEach((metric, unit) -> {
            List<String> values = new ArrayList<>();
            for (ResultTable t : tables) {
                values.add(t.rows.stream().filter(r -> r.metric.equals(metric)).map(r -> r.values.get(0))
                        .findFirst().orElse("-"));
            }
            combined.rows.add(new Row(metric, values, unit, ""));
        });
        return combined;
    }

    /** The value of {@code metric} in the value column {@code column}, or null when no row has that metric. */
    String value(String metric, int column) {
        return rows.stream().filter(r -> r.metric.equals(metric)).map(r -> r.values.get(column)).findFirst().orElse(null);
    }

    void print(PrintStream out) {
        int m = "metric".length();
        int[] v = new int[valueColumns.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = valueColumns.get(i).length();
        }
        int u = unitHeader.length();
        for (Row r : rows) {
            m = Math.max(m, r.metric.length());
            for (int i = 0; i < v.length; i++) {
                v[i] = Math.max(v[i], r.values.get(i).length());
            }
            u = Math.max(u, r.unit.length());
        }
        StringBuilder sep = new StringBuilder("+" + "-".repeat(m + 2));
        for (int width : v) {
            sep.append("+").append("-".repeat(width + 2));
        }
        sep.append("+").append("-".repeat(u + 2)).append("+");
        out.println();
        out.println("== " + title + " ==");
        out.println(sep);
        printRow(out, m, v, u, "metric", valueColumns, unitHeader, "");
        out.println(sep);
        for (Row r : rows) {
            printRow(out, m, v, u, r.metric, r.values, r.unit, r.note);
        }
        out.println(sep);
    }

    private static void printRow(PrintStream out, int m, int[] v, int u, String metric, List<String> values,
            String unit, String note) {
        StringBuilder line = new StringBuilder(String.format("| %-" + m + "s ", metric));
        for (int i = 0; i < v.length; i++) {
            line.append(String.format("| %" + v[i] + "s ", values.get(i)));
        }
        line.append(String.format("| %-" + u + "s | %s", unit, note));
        out.println(line);
    }
}
