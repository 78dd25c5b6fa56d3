package io.ferry.ops;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code ferry status}'s terminal view of a status document: state, snapshot bars, replication health, alerts. */
public final class StatusText {

    private StatusText() {
    }

    /** {@code --role X} of a process that runs one half only, else nothing. */
    private static String role(JsonNode s) {
        String role = s.path("role").asText("all");
        return role.equals("all") ? "" : " --role " + role;
    }

    public static String render(JsonNode s) {
        StringBuilder b = new StringBuilder(1024);
        b.append("pipeline ").append(s.path("name").asText()).append(": ").append(s.path("state").asText());
        b.append(s.path("running").asBoolean() ? " (live, from ferry run" + role(s) + ")" : " (from durable state)")
                .append('\n');
        JsonNode c = s.path("capture");
        b.append("  capture  ").append(c.path("state").asText());
        if (c.has("events")) {
            b.append(String.format(Locale.ROOT, " | %,d events | %,.0f ev/s | %s", c.path("events").asLong(),
                    c.path("events_per_second").asDouble(), c.path("position").asText()));
        }
        if (c.has("committed_position")) {
            b.append(" | committed ").append(c.path("committed_position"));
        }
        b.append('\n');
        JsonNode a = s.path("apply");
        if (a.isObject()) {
            b.append(String.format(Locale.ROOT, "  apply    %s | %,d events | %,.0f ev/s | %,d ms behind source"
                            + " | %,d dead letters%n", a.path("state").asText(), a.path("events").asLong(),
                    a.path("events_per_second").asDouble(), a.path("behind_source_ms").asLong(),
                    a.path("dead_letters").asLong()));
            if (!s.path("role").asText("all").equals("all")) {
                List<String> parts = new ArrayList<>();
                a.path("partitions").forEach(p -> parts.add(p.asText()));
                b.append("  applies  ").append(parts.isEmpty() ? "no partition yet" : String.join(", ", parts))
                        .append('\n');
            }
        }
        JsonNode lat = s.path("latency_ms");
        if (lat.isObject()) {
            b.append(String.format(Locale.ROOT, "  latency  p50 %.0f ms, p99 %.0f ms over %,d transactions%n",
                    lat.path("p50").asDouble(), lat.path("p99").asDouble(), lat.path("transactions").asLong()));
        }
        JsonNode log = s.path("source_log");
        b.append("  source log held back: ").append(log.path("retained_bytes").isNumber()
                ? StatusJson.bytes(log.path("retained_bytes").asLong()) : "unknown")
                .append(" (limit ").append(StatusJson.bytes(log.path("max_retained_bytes").asLong())).append(")\n");
        if (s.path("snapshot").size() > 0) {
            b.append("\nsnapshot\n");
            for (JsonNode t : s.path("snapshot")) {
                long done = t.path("rows_done").asLong();
                long est = t.path("done").asBoolean() ? done : t.path("rows_estimated").asLong();
                int pct = t.path("done").asBoolean() ? 100 : est > 0 ? (int) Math.min(99, done * 100 / est) : 0;
                String chunks = t.path("chunk_rows").asInt() <= 0 ? "" : String.format(Locale.ROOT,
                        ", %,d chunk(s) of %,d", t.path("chunks_done").asLong(), t.path("chunk_rows").asInt());
                b.append(String.format(Locale.ROOT, "  %-40s %s %3d%% %,d/%,d rows%s%n", t.path("table").asText(),
                        bar(pct), pct, done, est, chunks));
            }
        }
        if (s.path("copies").size() > 0) {
            b.append("\ncopies while streaming\n");
            for (JsonNode t : s.path("copies")) {
                b.append(String.format(Locale.ROOT, "  %-40s %s%n", t.path("table").asText(),
                        t.path("state").asText().equals("running")
                                ? String.format(Locale.ROOT, "running, %,d rows so far", t.path("rows_done").asLong())
                                : "queued"));
            }
        }
        b.append("\nreplication health\n");
        b.append(String.format(Locale.ROOT, "  %-40s %4s %6s %-12s %-12s %7s %12s %12s %10s  %s%n", "topic", "part",
                "leader", "isr", "replicas", "min.isr", "hw", "lso", "lag", "flags"));
        for (JsonNode p : s.path("partitions")) {
            String flags = (p.path("under_min_isr").asBoolean() ? "UNDER-MIN-ISR " : "")
                    + (p.path("under_replicated").asBoolean() ? "UNDER-REPLICATED" : "");
            b.append(String.format(Locale.ROOT, "  %-40s %4d %6s %-12s %-12s %7d %,12d %,12d %10s  %s%n",
                    p.path("topic").asText(), p.path("partition").asInt(),
                    p.path("leader").asInt() < 0 ? "none" : p.path("leader").asText(), p.path("isr").toString(),
                    p.path("replicas").toString(), p.path("min_isr").asInt(), p.path("high_watermark").asLong(),
                    p.path("last_stable_offset").asLong(),
                    p.path("lag").isNumber() ? String.format(Locale.ROOT, "%,d", p.path("lag").asLong()) : "-",
                    flags.strip()));
        }
        if (s.path("target_offsets").size() > 0) {
            b.append("\ntarget offsets (ferry_offsets)\n");
            for (JsonNode o : s.path("target_offsets")) {
                b.append(o.has("error") ? "  " + o.path("error").asText()
                        : "  " + o.path("topic").asText() + "-" + o.path("partition").asInt() + " next "
                        + o.path("next_offset").asLong()).append('\n');
            }
        }
        b.append('\n');
        if (s.path("conditions").isEmpty()) {
            b.append("no alerts\n");
        }
        for (JsonNode cond : s.path("conditions")) {
            b.append("ALERT ").append(cond.path("name").asText()).append(": ").append(cond.path("message").asText())
                    .append('\n');
        }
        if (s.path("last_error").isTextual()) {
            b.append("last error: ").append(s.path("last_error").asText()).append('\n');
        }
        return b.toString();
    }

    private static String bar(int pct) {
        int filled = pct / 5;
        return "[" + "#".repeat(filled) + ".".repeat(20 - filled) + "]";
    }
}
