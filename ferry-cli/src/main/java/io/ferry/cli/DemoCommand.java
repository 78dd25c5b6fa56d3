package io.ferry.cli;

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
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry demo}: a real PostgreSQL (source {@code shop}, target {@code replica}) and a real Kafka broker
 * on this machine, a snapshot, a live workload with a schema change, and a verification at the end.
 */
@Command(name = "demo", description = "Sync a demo shop database through an embedded Kafka broker and verify the copy.")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--rows", defaultValue = "100000", description = "Rows in the source before the sync starts (default 100000).")
    long rows;

    @Option(names = "--seconds", defaultValue = "30", description = "Seconds of live workload after the snapshot (default 30).")
    int seconds;

    @Option(names = "--keep", description = "Keep everything running after the verification, until Ctrl-C.")
    boolean keep;

    @Option(names = "--dir", defaultValue = ".ferry/demo", description = "Where the demo keeps its data (emptied first).")
    Path dir;

    @Option(names = "--sink", defaultValue = "postgres",
            description = "Target: postgres (database replica) or iceberg (tables in a local lake under --dir).")
    String sink;

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        if (!sink.equals("postgres") && !sink.equals("iceberg")) {
            System.err.println("--sink must be postgres or iceberg, not '" + sink + "'");
            return 2;
        }
        deleteRecursively(dir);
        Files.createDirectories(dir);
        long started = System.nanoTime();
        out.println("Starting PostgreSQL 17 (embedded, wal_level=logical)...");
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder()
                .setServerConfig("wal_level", "logical")
                // zonky turns it off; logical decoding then sees a commit only when its WAL is flushed anyway, ~100 ms later.
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("max_wal_senders", "10")
                .setServerConfig("max_replication_slots", "10")
                .setDataDirectory(dir.resolve("postgres"))
                .setCleanDataDirectory(true)
                .start()) {
            try (Connection admin = pg.getPostgresDatabase().getConnection(); Statement s = admin.createStatement()) {
                s.execute("CREATE DATABASE shop");
                s.execute("CREATE DATABASE replica");
            }
            String shopUrl = "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/shop";
            try (Connection shopConnection = DriverManager.getConnection(shopUrl, "postgres", "")) {
                DemoShop shop = new DemoShop(shopConnection);
                out.printf(Locale.ROOT, "Loading %,d rows into shop (customers, products, orders, order_items)...%n", rows);
                shop.createAndLoad(rows);
                long total = countRows(shopConnection);
                Path pipelineFile = writePipeline(pg.getPort());
                PipelineConfig config = new PipelineConfigParser().parse(pipelineFile);
                out.println("Pipeline " + pipelineFile + ": shop -> Kafka (embedded) -> " + target());
                try (PipelineRunner runner = new PipelineRunner(config, Duration.ofSeconds(30))) {
                    runner.start();
                    long snapshotStart = System.nanoTime();
                    showSnapshotProgress(runner, total);
                    double snapshotSeconds = (System.nanoTime() - snapshotStart) / 1e9;
                    out.printf(Locale.ROOT, "Snapshot: %,d rows copied to " + target() + " in %.1f s (%,.0f rows/s)%n",
                            total, snapshotSeconds, total / snapshotSeconds);
                    runLiveWorkload(shop, runner);
                    out.println("Verifying " + target() + " against shop...");
                    boolean match = new Verification(config, runner.bootstrapServers(), out).run(true, Duration.ofMinutes(2));
                    out.printf(Locale.ROOT, "%s in %.0f s%n", match ? "VERIFIED: " + target() + " matches shop" : "MISMATCH: see above",
                            (System.nanoTime() - started) / 1e9);
                    if (keep) {
                        out.println("Still running (--keep). PostgreSQL on port " + pg.getPort()
                                + "; try `./ferry verify " + pipelineFile + "` in another terminal. Ctrl-C to stop.");
                        awaitInterrupt();
                    }
                    return match ? 0 : 1;
                }
            }
        }
    }

    private void showSnapshotProgress(PipelineRunner runner, long total) throws InterruptedException {
        boolean tty = System.console() != null;
        long lastPrint = 0;
        while (runner.applied() < total) {
            String failure = runner.failureMessage();
            if (failure != null) {
                throw new io.ferry.core.FerryException(failure);
            }
            long done = runner.applied();
            if (tty || System.nanoTime() - lastPrint > 2_000_000_000L) {
                int width = 30;
                int filled = (int) (width * Math.min(1.0, done / (double) total));
                String bar = "#".repeat(filled) + ".".repeat(width - filled);
                out.printf(Locale.ROOT, "%ssnapshot [%s] %3d%%  %,d / %,d rows applied%s", tty ? "\r" : "", bar,
                        done * 100 / total, done, total, tty ? "" : System.lineSeparator());
                lastPrint = System.nanoTime();
            }
            Thread.sleep(tty ? 200 : 250);
        }
        if (tty) {
            out.println();
        }
    }

    private void runLiveWorkload(DemoShop shop, PipelineRunner runner) throws Exception {
        out.printf(Locale.ROOT, "Live workload for %d s: new orders, price and status changes, cancellations;"
                + " a column is added to customers half-way%n", seconds);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        long half = System.nanoTime() + seconds * 500_000_000L;
        long nextReport = System.nanoTime() + 1_000_000_000L;
        long lastCaptured = runner.captured();
        long lastApplied = runner.applied();
        long lastTx = 0;
        boolean altered = false;
        while (System.nanoTime() < end) {
            shop.step();
            if (!altered && System.nanoTime() > half) {
                shop.addLoyaltyColumn();
                altered = true;
                out.println("  ALTER TABLE customers ADD COLUMN loyalty_tier text");
            }
            if (System.nanoTime() >= nextReport) {
                long captured = runner.captured();
                long applied = runner.applied();
                long tx = shop.transactions();
                double lag = runner.lagSeconds();
                out.printf(Locale.ROOT, "  %3ds  source %,5d tx/s | captured %,6d ev/s | applied %,6d ev/s | lag %.2f s%n",
                        seconds - (end - System.nanoTime()) / 1_000_000_000L, tx - lastTx, captured - lastCaptured,
                        applied - lastApplied, lag);
                lastCaptured = captured;
                lastApplied = applied;
                lastTx = tx;
                nextReport += 1_000_000_000L;
            }
        }
        out.printf(Locale.ROOT, "Workload stopped after %,d source transactions%n", shop.transactions());
    }

    private Path writePipeline(int port) throws IOException {
        String yaml = "# Written by ferry demo: the pipeline it runs.\n"
                + "name: demo\n"
                + "source:\n"
                + "  type: postgres\n"
                + "  host: 127.0.0.1\n"
                + "  port: " + port + "\n"
                + "  database: shop\n"
                + "  user: postgres\n"
                + "  tables: [\"public.*\"]\n"
                + "kafka:\n"
                + "  data-dir: " + dir.resolve("kafka") + "\n"
                + "sink:\n"
                + (sink.equals("iceberg")
                ? "  type: iceberg\n"
                + "  warehouse: " + dir.toAbsolutePath().resolve("lake") + "\n"
                + "  commit-interval: 2s\n"
                : "  type: postgres\n"
                + "  host: 127.0.0.1\n"
                + "  port: " + port + "\n"
                + "  database: replica\n"
                + "  user: postgres\n");
        return Files.writeString(dir.resolve("pipeline.yaml"), yaml);
    }

    /** How the target is named in the demo's lines. */
    private String target() {
        return sink.equals("iceberg") ? "the Iceberg lake " + dir.resolve("lake") : "replica";
    }

    private static long countRows(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT (SELECT count(*) FROM customers) + (SELECT count(*) FROM products)"
                        + " + (SELECT count(*) FROM orders) + (SELECT count(*) FROM order_items)")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void awaitInterrupt() throws InterruptedException {
        CountDownLatch latch = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(latch::countDown));
        latch.await();
    }

    private static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path f : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
