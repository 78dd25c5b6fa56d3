package io.ferry.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** The final table each benchmark prints: one row per measured number. */
final class ResultTable {

    private record Row(String metric, String value, String unit, String note) {
    }

    private final String title;
    private final List<Row> rows = new ArrayList<>();

    ResultTable(String title) {
        this.title = title;
    }

    ResultTable add(String metric, String value, String unit, String note) {
        rows.add(new Row(metric, value, unit, note));
        return this;
    }

    void print(PrintStream out) {
        int m = "metric".length();
        int v = "value".length();
        int u = "unit".length();
        for (Row r : rows) {
            m = Math.max(m, r.metric.length());
            v = Math.max(v, r.value.length());
            u = Math.max(u, r.unit.length());
        }
        String sep = "+" + "-".repeat(m + 2) + "+" + "-".repeat(v + 2) + "+" + "-".repeat(u + 2) + "+";
        out.println();
        out.println("== " + title + " ==");
        out.println(sep);
        out.printf("| %-" + m + "s | %" + v + "s | %-" + u + "s | %s%n", "metric", "value", "unit", "");
        out.println(sep);
        for (Row r : rows) {
            out.printf("| %-" + m + "s | %" + v + "s | %-" + u + "s | %s%n", r.metric, r.value, r.unit, r.note);
        }
        out.println(sep);
    }
}
