package io.ferry.bench;

import io.ferry.cli.PipelineRunner;
import io.ferry.core.config.PipelineConfig;
import io.ferry.core.config.PipelineConfigParser;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.Locale;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * One embedded PostgreSQL 17 (wal_level=logical) with a source database {@code bench} and a target database
 * {@code replica}, the benchmark table, and the helpers both benchmarks share.
 */
final class BenchEnv implements AutoCloseable {

    /** ~150 bytes per row on disk: bigint key, text, numeric(12,2), timestamptz, jsonb. */
    static final String TABLE_DDL = "CREATE TABLE bench_rows ("
            + " id bigint PRIMARY KEY,"
            + " name text NOT NULL,"
            + " amount numeric(12,2) NOT NULL,"
            + " updated_at timestamptz NOT NULL,"
            + " attrs jsonb NOT NULL)";

    /** Row {@code g} of the generated data, as a SELECT list over {@code generate_series(..) g}. */
    static final String ROW_SELECT = "SELECT g, 'customer-' || g || ' ' || md5(g::text),"
            + " round((random() * 100000)::numeric, 2), now() - (g % 100000) * interval '1 second',"
            + " jsonb_build_object('tier', g % 5, 'score', g % 1000, 'tags', jsonb_build_array('new', 'eu'), 'ok', true)";

    static final String PROBE_DDL = "CREATE TABLE bench_probe (id bigint PRIMARY KEY, seq bigint NOT NULL,"
            + " sent_at timestamptz NOT NULL DEFAULT now())";

    final PrintStream out = System.out;
    final Options options;
    final EmbeddedPostgres pg;
    final String sourceUrl;
    final String replicaUrl;

    private BenchEnv(Options options, EmbeddedPostgres pg) {
        this.options = options;
        this.pg = pg;
        this.sourceUrl = "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/bench";
        this.replicaUrl = "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/replica";
    }

    static BenchEnv start(Options options) throws IOException, SQLException {
        deleteRecursively(options.dir);
        Files.createDirectories(options.dir);
        long t0 = System.nanoTime();
        EmbeddedPostgres pg = EmbeddedPostgres.builder()
                .setServerConfig("wal_level", "logical")
                .setServerConfig("max_wal_senders", "10")
                .setServerConfig("max_replication_slots", "10")
                .setServerConfig("shared_buffers", "512MB")
                .setServerConfig("max_wal_size", "8GB")
                .setServerConfig("checkpoint_timeout", "30min")
                .setServerConfig("max_connections", "50")
                // zonky defaults to synchronous_commit=off; then a commit returns before its WAL is flushed and
                // logical decoding (which reads flushed WAL only) sees it up to wal_writer_delay later. Benchmark
                // the production default instead.
                .setServerConfig("synchronous_commit", "on")
                .setDataDirectory(options.dir.resolve("postgres"))
                .setCleanDataDirectory(true)
                .start();
        BenchEnv env = new BenchEnv(options, pg);
        try (Connection admin = pg.getPostgresDatabase().getConnection(); Statement s = admin.createStatement()) {
            s.execute("CREATE DATABASE bench");
            s.execute("CREATE DATABASE replica");
            try (ResultSet rs = s.executeQuery("SELECT version()")) {
                rs.next();
                env.out.printf(Locale.ROOT, "PostgreSQL started in %.1f s on port %d: %s%n", (System.nanoTime() - t0) / 1e9,
                        pg.getPort(), rs.getString(1).replaceAll(" on .*", ""));
            }
        }
        return env;
    }

    Connection source() throws SQLException {
        return DriverManager.getConnection(sourceUrl, "postgres", "");
    }

    Connection replica() throws SQLException {
        return DriverManager.getConnection(replicaUrl, "postgres", "");
    }

    /** Creates and fills {@code bench_rows} (and {@code bench_probe} when asked); returns the load time in seconds. */
    double load(long rows, boolean probeTable) throws SQLException {
        long t0 = System.nanoTime();
        try (Connection c = source(); Statement s = c.createStatement()) {
            s.execute(TABLE_DDL);
            if (probeTable) {
                s.execute(PROBE_DDL);
            }
            for (long from = 1; from <= rows; from += 250_000) {
                long to = Math.min(rows, from + 249_999);
                s.execute("INSERT INTO bench_rows " + ROW_SELECT + " FROM generate_series(" + from + ", " + to + ") g");
            }
            s.execute("VACUUM ANALYZE bench_rows");
            try (ResultSet rs = s.executeQuery("SELECT pg_size_pretty(pg_table_size('bench_rows')),"
                    + " pg_table_size('bench_rows') / count(*) FROM bench_rows")) {
                rs.next();
                double secs = (System.nanoTime() - t0) / 1e9;
                out.printf(Locale.ROOT, "Loaded %,d rows into bench_rows in %.1f s (%s, ~%d bytes/row on disk)%n", rows, secs,
                        rs.getString(1), rs.getLong(2));
                return secs;
            }
        }
    }

    PipelineConfig pipeline(boolean withSink) {
        return pipeline(withSink, null);
    }

    /** The bench pipeline; on {@code bootstrapServers} when given, else on the embedded broker Ferry starts. */
    PipelineConfig pipeline(boolean withSink, String bootstrapServers) {
        return pipeline("bench", withSink, bootstrapServers);
    }

    /** The bench pipeline named {@code name} (its own slot, topics and transactional id). */
    PipelineConfig pipeline(String name, boolean withSink, String bootstrapServers) {
        String yaml = pipelineYaml(name, bootstrapServers)
                // No sink section = capture only.
                + (withSink
                    ? "sink:\n  type: postgres\n  host: 127.0.0.1\n  port: " + pg.getPort() + "\n  database: replica\n  user: postgres\n"
                    : "");
        return new PipelineConfigParser().parse(yaml, "bench.yaml");
    }

    /** The pipeline file's source and Kafka sections; a benchmark appends its sink. */
    String pipelineYaml() {
        return pipelineYaml("bench", null);
    }

    /** PostgreSQL's data directory (its {@code postmaster.pid} names the server's processes). */
    Path pgData() {
        return options.dir.resolve("postgres");
    }

    private String pipelineYaml(String name, String bootstrapServers) {
        return "name: " + name + "\n"
                + "source:\n"
                + "  type: postgres\n"
                + "  host: 127.0.0.1\n"
                + "  port: " + pg.getPort() + "\n"
                + "  database: bench\n"
                + "  user: postgres\n"
                + "  tables: [\"public.*\"]\n"
                + (options.snapshotParallelism.isEmpty() ? ""
                    : "  snapshot-parallelism: " + options.snapshotParallelism.get(0) + "\n")
                + "kafka:\n"
                + (options.partitions > 1 ? "  partitions: " + options.partitions + "\n" : "")
                + "  properties:\n    compression.type: " + options.compression + "\n"
                + (bootstrapServers == null
                    ? "  data-dir: " + options.dir.resolve("kafka") + "\n"
                    : "  bootstrap-servers: " + bootstrapServers + "\n");
    }

    /** A capture-only pipeline named {@code name} over {@code bench_rows} whose snapshot reads on {@code readers}. */
    PipelineConfig snapshotPipeline(String name, int readers) {
        String yaml = "name: " + name + "\n"
                + "source:\n  type: postgres\n  host: 127.0.0.1\n  port: " + pg.getPort() + "\n"
                + "  database: bench\n  user: postgres\n  tables: [public.bench_rows]\n"
                + "  snapshot-parallelism: " + readers + "\n"
                + "kafka:\n  data-dir: " + options.dir.resolve("kafka") + "\n";
        return new PipelineConfigParser().parse(yaml, name + ".yaml");
    }

    /** A capture-only pipeline named {@code name} over {@code bench_rows}, with {@code extraYaml} appended. */
    PipelineConfig capturePipeline(String name, String extraYaml) {
        String yaml = "name: " + name + "\n"
                + "source:\n  type: postgres\n  host: 127.0.0.1\n  port: " + pg.getPort() + "\n"
                + "  database: bench\n  user: postgres\n  tables: [public.bench_rows]\n"
                + "kafka:\n  data-dir: " + options.dir.resolve("kafka") + "\n"
                + extraYaml;
        return new PipelineConfigParser().parse(yaml, name + ".yaml");
    }

    /**
     * The streaming workload: {@code changes} row changes in transactions of 1,000 rows, alternating a
     * transaction of inserts (new ids above {@code nextId}) and one of updates (a random key range of the
     * existing rows), as fast as PostgreSQL takes them. Returns the ids now in use.
     */
    static final class Workload {
        final long changes;
        final long firstNewId;
        final int txRows;
        volatile long written;
        volatile long startNanos;
        volatile long endNanos;

        Workload(long changes, long firstNewId) {
            this(changes, firstNewId, 1_000);
        }

        /** Inserts and updates alternating in autocommitted statements of {@code txRows} rows each. */
        Workload(long changes, long firstNewId, int txRows) {
            this.changes = changes;
            this.firstNewId = firstNewId;
            this.txRows = txRows;
        }

        void run(Connection c, long existingRows) throws SQLException {
            java.util.SplittableRandom random = new java.util.SplittableRandom(42);
            long nextId = firstNewId;
            startNanos = System.nanoTime();
            try (Statement s = c.createStatement()) {
                long done = 0;
                boolean insert = true;
                while (done < changes) {
                    int n = (int) Math.min(txRows, changes - done);
                    if (insert) {
                        s.executeUpdate("INSERT INTO bench_rows " + ROW_SELECT + " FROM generate_series(" + nextId + ", "
                                + (nextId + n - 1) + ") g");
                        nextId += n;
                    } else {
                        long from = 1 + random.nextLong(Math.max(1, existingRows - n));
                        int updated = s.executeUpdate("UPDATE bench_rows SET amount = amount + 1, updated_at = now(),"
                                + " attrs = jsonb_set(attrs, '{score}', to_jsonb((attrs->>'score')::int + 1))"
                                + " WHERE id BETWEEN " + from + " AND " + (from + n - 1));
                        if (updated != n) {
                            throw new IllegalStateException("updated " + updated + " rows, expected " + n);
                        }
                    }
                    insert = !insert;
                    done += n;
                    written = done;
                }
            }
            endNanos = System.nanoTime();
        }

        long lastId() {
            return firstNewId + (changes + 1) / 2;
        }

        double seconds() {
            return (endNanos - startNanos) / 1e9;
        }
    }

    /**
     * Polls {@code counter} every millisecond until it reaches {@code target}; returns the nano time it was first
     * seen there. Fails on a pipeline failure or after {@code timeout}.
     */
    static long awaitCount(PipelineRunner runner, LongSupplier counter, long target, Duration timeout, String what)
            throws InterruptedException {
        return awaitCount(runner::failureMessage, counter, target, timeout, what);
    }

    /** The same for any counter: {@code failure} answers a message once whatever feeds the counter has failed. */
    static long awaitCount(java.util.function.Supplier<String> failure, LongSupplier counter, long target,
                           Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long lastReport = System.nanoTime();
        while (true) {
            long now = System.nanoTime();
            long v = counter.getAsLong();
            if (v >= target) {
                return now;
            }
            String failed = failure.get();
            if (failed != null) {
                throw new IllegalStateException("failed while waiting for " + what + ": " + failed);
            }
            if (now > deadline) {
                throw new IllegalStateException("timed out waiting for " + what + ": " + v + " of " + target);
            }
            if (now - lastReport > 5_000_000_000L) {
                System.out.printf(Locale.ROOT, "  ... %s: %,d / %,d%n", what, v, target);
                lastReport = now;
            }
            Thread.sleep(1);
        }
    }

    static long count(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static String rate(double perSecond) {
        return String.format(Locale.ROOT, "%,.0f", perSecond);
    }

    @Override
    public void close() throws IOException {
        pg.close();
    }

    static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path f : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }

    /** Prints the machine the numbers came from. */
    void printMachine() {
        Runtime rt = Runtime.getRuntime();
        out.printf(Locale.ROOT, "Machine: %d cores, JVM %s, max heap %,d MB, load average %s; data in %s%n",
                rt.availableProcessors(), System.getProperty("java.version"), rt.maxMemory() >> 20, loadAverage(),
                options.dir);
    }

    /**
     * The 1-, 5- and 15-minute load averages: numbers taken while something else keeps the cores busy (a
     * build, a test suite) are not this code's numbers.
     */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
