package io.ferry.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The flags every benchmark understands. Numbers accept {@code _} and a {@code k}/{@code m} suffix (500k, 1m). */
final class Options {

    long rows = 1_000_000;
    /** Null: the benchmark's own default. */
    Long changes;
    int seconds = 15;
    int rate = 2_000;
    int probeIntervalMillis = 20;
    Path dir = Path.of(System.getProperty("java.io.tmpdir"), "ferry-bench");
    /** mysql-capture: which servers, {@code mariadb}, {@code mysql} or {@code both} (one after the other). */
    String server = "both";
    boolean help;
    /** capture and e2e: stop after the snapshot (e2e: and the raw COPY it is compared with). */
    boolean snapshotOnly;
    /** e2e and goals: partitions of the table topics ({@code kafka.partitions}), one applier per partition. */
    int partitions = 1;
    /** Rows per statement (and so per transaction) of the streaming workload. */
    int txRows = 1_000;
    /** {@code source.snapshot-parallelism}; capture {@code --snapshot-only} with several values snapshots once per value. */
    List<Integer> snapshotParallelism = List.of();
    /** The producers' {@code compression.type}, Ferry's and Debezium's alike; Ferry's default (lz4) when absent. */
    String compression = "lz4";

    static Options parse(String[] args) {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String value = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                value = a.substring(eq + 1);
                a = a.substring(0, eq);
            }
            switch (a) {
                case "-h", "--help" -> o.help = true;
                case "--snapshot-only" -> o.snapshotOnly = true;
                case "--rows" -> o.rows = number(a, value != null ? value : next(args, ++i, a));
                case "--changes" -> o.changes = number(a, value != null ? value : next(args, ++i, a));
                case "--seconds" -> o.seconds = (int) number(a, value != null ? value : next(args, ++i, a));
                case "--partitions" -> o.partitions = (int) number(a, value != null ? value : next(args, ++i, a));
                case "--rate" -> o.rate = (int) number(a, value != null ? value : next(args, ++i, a));
                case "--probe-interval-ms" -> o.probeIntervalMillis = (int) number(a, value != null ? value : next(args, ++i, a));
                case "--tx-rows" -> o.txRows = (int) number(a, value != null ? value : next(args, ++i, a));
                case "--snapshot-parallelism" -> o.snapshotParallelism = readers(value != null ? value : next(args, ++i, a));
                case "--compression" -> o.compression = value != null ? value : next(args, ++i, a);
                case "--dir" -> o.dir = Path.of(value != null ? value : next(args, ++i, a));
                case "--server" -> {
                    o.server = (value != null ? value : next(args, ++i, a)).toLowerCase(Locale.ROOT);
                    if (!o.server.matches("mariadb|mysql|both")) {
                        throw new IllegalArgumentException("--server: mariadb, mysql or both, not " + o.server);
                    }
                }
                default -> throw new IllegalArgumentException("unknown flag " + args[i] + " (try --help)");
            }
        }
        if (o.rows < 1_000) {
            throw new IllegalArgumentException("--rows must be at least 1000");
        }
        if (o.partitions < 1) {
            throw new IllegalArgumentException("--partitions must be at least 1");
        }
        if (o.txRows < 1 || o.txRows > 100_000) {
            throw new IllegalArgumentException("--tx-rows must be between 1 and 100000, not " + o.txRows);
        }
        if (o.changes != null && o.changes < 1_000) {
            throw new IllegalArgumentException("--changes must be at least 1000");
        }
        return o;
    }

    private static List<Integer> readers(String v) {
        List<Integer> out = new ArrayList<>();
        for (String part : v.split(",")) {
            long n = number("--snapshot-parallelism", part);
            if (n < 1 || n > 64) {
                throw new IllegalArgumentException("--snapshot-parallelism: 1 to 64 readers, not " + part);
            }
            out.add((int) n);
        }
        return List.copyOf(out);
    }

    long changesOr(long defaultChanges) {
        return changes != null ? changes : defaultChanges;
    }

    static String usage() {
        return String.join(System.lineSeparator(),
                "flags:",
                "  --rows N               rows in the table before the pipeline starts (default 1m)",
                "  --changes N            changes in the streaming workload (default 500k capture, 300k e2e)",
                "  --seconds N            seconds of latency probing per load level, e2e only (default 15)",
                "  --rate N               background changes/s during the loaded latency phase (default 2000)",
                "  --probe-interval-ms N  pause between latency probes (default 20)",
                "  --snapshot-only        capture and e2e: stop after the snapshot (e2e: and its raw COPY comparison)",
                "  --partitions N         e2e and goals: table topic partitions, one applier each (default 1)",
                "  --tx-rows N            rows per transaction of the streaming workload (default 1000)",
                "  --compression TYPE     the producers' compression.type, Ferry's and Debezium's (default lz4)",
                "  --snapshot-parallelism N[,M...]  source.snapshot-parallelism of the pipeline (default 4); capture",
                "                         --snapshot-only with several values: one snapshot per value, side by side",
                "  --dir PATH             working directory, emptied first (default $TMPDIR/ferry-bench)",
                "  --server S             mysql-capture only: mariadb, mysql or both (default both, side by side)");
    }

    private static String next(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }

    private static long number(String flag, String v) {
        String s = v.trim().toLowerCase(Locale.ROOT).replace("_", "").replace(",", "");
        long mult = 1;
        if (s.endsWith("k")) {
            mult = 1_000;
            s = s.substring(0, s.length() - 1);
        } else if (s.endsWith("m")) {
            mult = 1_000_000;
            s = s.substring(0, s.length() - 1);
        }
        try {
            return Long.parseLong(s) * mult;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + ": not a number: " + v);
        }
    }
}
