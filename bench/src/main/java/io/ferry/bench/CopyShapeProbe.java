package io.ferry.bench;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.postgresql.PGConnection;

/**
 * {@code bench/run copy-shape}: how much of PostgreSQL's cost of an initial load comes from the shape of the sink's
 * writes rather than from Ferry. The same rows go into an empty table with a primary key by plain COPY: in one
 * transaction on one connection (the raw-COPY floor), and as the sink writes them, in transactions of
 * {@code --tx-rows} rows each with an offsets upsert, on one connection per partition ({@code --partitions}), the
 * rows split by key as Kafka's partitioner splits them. Prints rows/s and PostgreSQL's CPU per row for each.
 */
final class CopyShapeProbe {

    private CopyShapeProbe() {
    }

    static ResultTable run(Options o) throws Exception {
        ResultTable table = new ResultTable(String.format(Locale.ROOT,
                "CopyShapeProbe: %,d rows by COPY into an empty table with a primary key", o.rows));
        try (BenchEnv env = BenchEnv.start(o)) {
            env.printMachine();
            env.load(o.rows, false);
            ByteArrayOutputStream text = new ByteArrayOutputStream(1 << 26);
            try (Connection src = env.source()) {
                src.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY bench_rows TO STDOUT", text);
            }
            List<byte[]> lines = lines(text.toByteArray());
            shape(env, table, lines, 1, Integer.MAX_VALUE, "one connection, one transaction (raw COPY)");
            shape(env, table, lines, 1, o.txRows, "one connection, " + o.txRows + "-row transactions");
            if (o.partitions > 1) {
                shape(env, table, lines, o.partitions, o.txRows, o.partitions + " connections, " + o.txRows
                        + "-row transactions");
            }
            shape(env, table, lines, 1, Integer.MAX_VALUE, "one connection, one transaction, again");
        }
        table.add("machine load average (1/5/15 min)", BenchEnv.loadAverage(), "", "");
        return table;
    }

    private static void shape(BenchEnv env, ResultTable table, List<byte[]> lines, int connections, int txRows,
                              String what) throws Exception {
        try (Connection c = env.replica(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS shaped, shaped_offsets");
            s.execute(BenchEnv.TABLE_DDL.replace("bench_rows", "shaped"));
            s.execute("CREATE TABLE shaped_offsets (part int PRIMARY KEY, next bigint NOT NULL)");
            s.execute("CHECKPOINT");
        }
        List<List<byte[]>> parts = new ArrayList<>();
        for (int p = 0; p < connections; p++) {
            parts.add(new ArrayList<>());
        }
        for (byte[] line : lines) {
            parts.get(Math.floorMod(key(line).hashCode(), connections)).add(line);
        }
        ExecutorService pool = Executors.newFixedThreadPool(connections);
        long pg0 = CpuBreakdown.pgCpuNanos(env.pgData());
        long t0 = System.nanoTime();
        List<Future<?>> running = new ArrayList<>();
        for (int p = 0; p < connections; p++) {
            int part = p;
            running.add(pool.submit(() -> {
                write(env, part, parts.get(part), txRows);
                return null;
            }));
        }
        for (Future<?> f : running) {
            f.get();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double pgMicros = (CpuBreakdown.pgCpuNanos(env.pgData()) - pg0) / 1e3 / lines.size();
        pool.shutdown();
        env.out.printf(Locale.ROOT, "%s: %,.0f rows/s, %.2f µs of PostgreSQL CPU per row%n", what,
                lines.size() / seconds, pgMicros);
        table.add(what, BenchEnv.rate(lines.size() / seconds), "rows/s",
                String.format(Locale.ROOT, "%.2f µs of PostgreSQL CPU per row", pgMicros));
    }

    private static void write(BenchEnv env, int part, List<byte[]> lines, int txRows) throws Exception {
        try (Connection c = env.replica(); PreparedStatement offsets = c.prepareStatement(
                "INSERT INTO shaped_offsets VALUES (?, ?) ON CONFLICT (part) DO UPDATE SET next = excluded.next")) {
            c.setAutoCommit(false);
            for (int from = 0; from < lines.size(); from += txRows) {
                int to = (int) Math.min(lines.size(), (long) from + txRows);
                ByteArrayOutputStream batch = new ByteArrayOutputStream();
                for (byte[] line : lines.subList(from, to)) {
                    batch.write(line);
                }
                c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY shaped FROM STDIN",
                        new ByteArrayInputStream(batch.toByteArray()), 1 << 16);
                offsets.setInt(1, part);
                offsets.setLong(2, to);
                offsets.executeUpdate();
                c.commit();
            }
        }
    }

    /** The text lines of COPY's output, each with its newline. */
    private static List<byte[]> lines(byte[] text) {
        List<byte[]> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < text.length; i++) {
            if (text[i] == '\n') {
                byte[] line = new byte[i + 1 - start];
                System.arraycopy(text, start, line, 0, line.length);
                out.add(line);
                start = i + 1;
            }
        }
        return out;
    }

    private static String key(byte[] line) {
        int tab = 0;
        while (line[tab] != '\t') {
            tab++;
        }
        return new String(line, 0, tab, StandardCharsets.US_ASCII);
    }
}
