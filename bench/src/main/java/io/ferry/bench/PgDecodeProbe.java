package io.ferry.bench;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.PGReplicationStream;

/**
 * Diagnostic: how long after a source commit returns does its pgoutput COMMIT message reach a pgjdbc
 * replication stream — read with blocking {@code read()}, and with {@code readPending()} plus a 10 ms sleep
 * when nothing is pending (the loop Ferry's capture uses). A floor for Ferry's capture latency.
 * {@code bench/run pg-decode [--seconds N]}.
 */
public final class PgDecodeProbe {

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        o.rows = 1_000;
        try (BenchEnv env = BenchEnv.start(o)) {
            try (Connection c = env.source(); Statement s = c.createStatement()) {
                s.execute(BenchEnv.PROBE_DDL);
                s.execute("CREATE PUBLICATION probe_pub FOR TABLE bench_probe");
                try (java.sql.ResultSet rs = s.executeQuery("SHOW synchronous_commit")) {
                    rs.next();
                    System.out.println("synchronous_commit = " + rs.getString(1) + "; one commit every "
                            + o.probeIntervalMillis + " ms");
                }
            }
            for (boolean pending : new boolean[] {false, true}) {
                long[] lat = run(env, pending, Math.max(5, o.seconds), o.probeIntervalMillis);
                System.out.printf(Locale.ROOT, "%s: %d commits, commit returned -> COMMIT message received:"
                                + " p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms%n",
                        pending ? "readPending() + 10 ms sleep" : "blocking read()", lat.length,
                        EndToEndBenchmark.percentile(lat, .5) / 1e6, EndToEndBenchmark.percentile(lat, .9) / 1e6,
                        EndToEndBenchmark.percentile(lat, .99) / 1e6, EndToEndBenchmark.percentile(lat, 1) / 1e6);
            }
        }
        System.exit(0);
    }

    private static long[] run(BenchEnv env, boolean pending, int seconds, int intervalMillis) throws Exception {
        Properties p = new Properties();
        PGProperty.USER.set(p, "postgres");
        PGProperty.REPLICATION.set(p, "database");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(p, "10");
        PGProperty.PREFER_QUERY_MODE.set(p, "simple");
        try (Connection c = env.source(); Statement s = c.createStatement()) {
            s.execute("SELECT pg_create_logical_replication_slot('probe_slot_" + (pending ? 1 : 0) + "', 'pgoutput')");
        }
        AtomicLong committedAt = new AtomicLong();
        int n = seconds * 1000 / Math.max(1, intervalMillis);
        long[] lat = new long[n];
        try (Connection rep = DriverManager.getConnection(env.sourceUrl, p);
             Connection src = env.source();
             PreparedStatement ins = src.prepareStatement("INSERT INTO bench_probe (id, seq) VALUES (?, 0)")) {
            PGReplicationStream stream = rep.unwrap(PGConnection.class).getReplicationAPI().replicationStream()
                    .logical().withSlotName(pending ? "probe_slot_1" : "probe_slot_0").withSlotOption("proto_version", "1")
                    .withSlotOption("publication_names", "probe_pub").withStatusInterval(10, TimeUnit.SECONDS).start();
            long base = System.nanoTime();
            int got = 0;
            Thread writer = new Thread(() -> {
                try {
                    for (int i = 0; i < n; i++) {
                        Thread.sleep(intervalMillis);
                        synchronized (committedAt) {
                            ins.setLong(1, (pending ? 1_000_000L : 0) + i);
                            ins.executeUpdate();
                            committedAt.set(System.nanoTime());
                        }
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            writer.start();
            while (got < n) {
                ByteBuffer m = pending ? stream.readPending() : stream.read();
                if (m == null) {
                    Thread.sleep(10);
                    continue;
                }
                if (m.get(m.position()) == 'C') {
                    long now = System.nanoTime();
                    synchronized (committedAt) {
                        lat[got++] = Math.max(0, now - committedAt.get());
                    }
                    stream.setFlushedLSN(stream.getLastReceiveLSN());
                    stream.setAppliedLSN(stream.getLastReceiveLSN());
                }
            }
            writer.join();
            stream.close();
        }
        Arrays.sort(lat);
        return lat;
    }
}
