package io.ferry.clickhouse;

import static org.awaitility.Awaitility.await;

import io.ferry.core.Secret;
import io.ferry.core.config.SinkConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real ClickHouse server for tests: Debian's {@code clickhouse-server} package (18.16 on Debian 12), installed
 * with apt-get when the binary is absent (CI runs as root on a clean Debian machine), started as a daemon from a
 * config of its own in a scratch directory, on free ports, listening on 127.0.0.1 only. Users: {@code default}
 * without a password, {@value #USER} with password {@value #PASSWORD}, and those a test adds ({@link #setPassword}). {@link #shared()} gives one per JVM,
 * stopped when the JVM exits.
 */
public final class ClickHouseTestServer implements AutoCloseable {

    public static final String HOST = "127.0.0.1";
    public static final String USER = "ferry";
    public static final String PASSWORD = "ferry-secret";
    private static final String BINARY = "/usr/sbin/clickhouse-server";
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private static ClickHouseTestServer shared;

    private final Path dir;
    private final int httpPort;
    private final HttpClient http = HttpClient.newHttpClient();
    /** Users added by tests, with their passwords, beside {@code default} and {@value #USER}. */
    private final Map<String, String> addedUsers = new TreeMap<>();

    private ClickHouseTestServer(Path dir, int httpPort) {
        this.dir = dir;
        this.httpPort = httpPort;
    }

    public static synchronized ClickHouseTestServer shared() {
        if (shared == null) {
            shared = start();
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
        }
        return shared;
    }

    public static ClickHouseTestServer start() {
        installIfAbsent();
        try {
            Path dir = Files.createTempDirectory("ferry-clickhouse");
            Files.createDirectories(dir.resolve("log"));
            int httpPort = freePort();
            Files.writeString(dir.resolve("config.xml"), config(dir, httpPort, freePort()));
            Files.writeString(dir.resolve("users.xml"), users(Map.of()));
            ClickHouseTestServer server = new ClickHouseTestServer(dir, httpPort);
            server.launch();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Installs Debian's package the first time on a machine; needs root and apt's registry. */
    private static synchronized void installIfAbsent() {
        if (Files.isExecutable(Path.of(BINARY))) {
            return;
        }
        run(List.of("apt-get", "update", "-q"));
        run(List.of("apt-get", "install", "-y", "-q", "clickhouse-server", "clickhouse-client"));
        if (!Files.isExecutable(Path.of(BINARY))) {
            throw new IllegalStateException("apt-get installed clickhouse-server, but " + BINARY + " is missing");
        }
    }

    private static void run(List<String> command) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (ClickHouse tests need root and"
                        + " Debian's clickhouse-server package):\n" + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void launch() throws IOException {
        Process p = new ProcessBuilder(BINARY, "--config-file=" + dir.resolve("config.xml"),
                "--pid-file=" + dir.resolve("server.pid"), "--daemon").redirectErrorStream(true)
                .redirectOutput(dir.resolve("log/stdout.log").toFile()).start();
        try {
            p.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        await("ClickHouse answering /ping on port " + httpPort + " (logs in " + dir.resolve("log") + ")")
                .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> ping().equals("Ok.\n"));
    }

    private String ping() throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://" + HOST + ":" + httpPort + "/ping")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    public int httpPort() {
        return httpPort;
    }

    /**
     * Adds a user with every right, or gives it another password, by rewriting {@code users.xml}: the server reads it
     * again within a few seconds (await {@link #accepts} to know when).
     */
    public synchronized void setPassword(String user, String password) {
        addedUsers.put(user, password);
        Path users = dir.resolve("users.xml");
        try {
            FileTime before = Files.getLastModifiedTime(users);
            Files.writeString(users, users(addedUsers));
            // The server notices a change by the file's time in whole seconds: make sure it moves.
            Instant after = Instant.now().isAfter(before.toInstant().plusSeconds(1)) ? Instant.now()
                    : before.toInstant().plusSeconds(1);
            Files.setLastModifiedTime(users, FileTime.from(after));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the server takes a login of {@code user} with {@code password} now. */
    public boolean accepts(String user, String password) {
        String query = "user=" + URLEncoder.encode(user, StandardCharsets.UTF_8) + "&password="
                + URLEncoder.encode(password, StandardCharsets.UTF_8) + "&query=SELECT%201";
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://" + HOST + ":" + httpPort + "/?" + query)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A new, empty database for one test. */
    public String freshDatabase() {
        String name = "t" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
        execute("CREATE DATABASE " + name);
        return name;
    }

    /** A sink writing into {@code database} as user {@value #USER}, creating tables, with the default policy. */
    public SinkConfig config(String database) {
        return new SinkConfig("clickhouse", HOST, httpPort, database, USER, new Secret(PASSWORD), null, true,
                SinkConfig.OnError.STOP);
    }

    /** Runs one statement as {@code default}; throws with the server's message when it fails. */
    public void execute(String sql) {
        post(sql);
    }

    /** The rows of a query, each a list of field texts ({@code null} for NULL), unescaped. */
    public List<List<String>> query(String sql) {
        String body = post(sql + " FORMAT TabSeparated");
        List<List<String>> rows = new ArrayList<>();
        for (byte[][] r : Tsv.parse(body.getBytes(StandardCharsets.UTF_8))) {
            List<String> row = new ArrayList<>();
            for (byte[] f : r) {
                row.add(f == null ? null : new String(f, StandardCharsets.UTF_8));
            }
            rows.add(row);
        }
        return rows;
    }

    private String post(String sql) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + HOST + ":" + httpPort + "/"))
                    .POST(HttpRequest.BodyPublishers.ofString(sql)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("ClickHouse refused " + sql + ": " + r.body());
            }
            return r.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            Path pidFile = dir.resolve("server.pid");
            if (Files.exists(pidFile)) {
                long pid = Long.parseLong(Files.readString(pidFile).trim());
                ProcessHandle.of(pid).ifPresent(h -> {
                    h.destroy();
                    h.onExit().orTimeout(20, TimeUnit.SECONDS).exceptionally(t -> {
                        h.destroyForcibly();
                        return h;
                    }).join();
                });
            }
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        } catch (IOException | RuntimeException e) {
            // Best effort at JVM exit: the scratch directory is under the temp directory either way.
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String config(Path dir, int httpPort, int tcpPort) {
        String d = dir.toString();
        return """
                <?xml version="1.0"?>
                <yandex>
                  <logger><level>warning</level><log>%1$s/log/server.log</log><errorlog>%1$s/log/error.log</errorlog>
                    <size>10M</size><count>1</count></logger>
                  <http_port>%2$d</http_port>
                  <tcp_port>%3$d</tcp_port>
                  <listen_host>127.0.0.1</listen_host>
                  <path>%1$s/data/</path>
                  <tmp_path>%1$s/tmp/</tmp_path>
                  <user_files_path>%1$s/user_files/</user_files_path>
                  <format_schema_path>%1$s/format_schemas/</format_schema_path>
                  <users_config>users.xml</users_config>
                  <default_profile>default</default_profile>
                  <default_database>default</default_database>
                  <timezone>UTC</timezone>
                  <mark_cache_size>268435456</mark_cache_size>
                  <uncompressed_cache_size>0</uncompressed_cache_size>
                  <max_concurrent_queries>100</max_concurrent_queries>
                </yandex>
                """.formatted(d, httpPort, tcpPort);
    }

    private static String users(Map<String, String> added) {
        StringBuilder more = new StringBuilder();
        added.forEach((user, password) -> more.append("    <").append(user).append("><password>").append(password)
                .append("</password><networks><ip>127.0.0.1</ip></networks><profile>default</profile>")
                .append("<quota>default</quota></").append(user).append(">\n"));
        return """
                <?xml version="1.0"?>
                <yandex>
                  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
                  <users>
                    <default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile>
                      <quota>default</quota></default>
                    <ferry><password>ferry-secret</password><networks><ip>127.0.0.1</ip></networks><profile>default</profile>
                      <quota>default</quota></ferry>
                %s  </users>
                  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
                    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval>
                  </default></quotas>
                </yandex>
                """.formatted(more);
    }
}
