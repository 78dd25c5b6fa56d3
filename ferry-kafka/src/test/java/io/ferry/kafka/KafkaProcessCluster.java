package io.ferry.kafka;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * A Kafka KRaft cluster of combined broker+controller nodes, each a JVM of its own ({@link KafkaNodeMain}) with the
 * same settings as {@link EmbeddedKafka}'s nodes, so a test can {@link #kill} one with SIGKILL as a crash would and
 * {@link #restart} it on its data and ports. The nodes start in parallel (a node's startup waits for the quorum);
 * their output goes to {@code node-<id>/out.log} under a temporary directory. Methods are not thread-safe.
 */
public final class KafkaProcessCluster implements AutoCloseable {

    private static final Duration READY_WITHIN = Duration.ofSeconds(120);

    private final Path dir;
    private final String clusterId = Uuid.randomUuid().toString();
    private final List<Node> nodes = new ArrayList<>();
    private final Thread cleanup = new Thread(this::destroyAll, "kafka-process-cluster-cleanup");

    private KafkaProcessCluster(Path dir) {
        this.dir = dir;
    }

    /** Starts {@code brokers} node processes with broker property {@code overrides}; returns when all serve. */
    public static KafkaProcessCluster start(int brokers, Map<String, String> overrides) {
        KafkaProcessCluster cluster;
        try {
            cluster = new KafkaProcessCluster(Files.createTempDirectory("ferry-kafka-processes"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Runtime.getRuntime().addShutdownHook(cluster.cleanup);
        try {
            cluster.configure(brokers, overrides);
            List<CompletableFuture<Void>> starts = new ArrayList<>();
            for (Node n : cluster.nodes) {
                n.launch();
            }
            for (Node n : cluster.nodes) {
                starts.add(CompletableFuture.runAsync(n::awaitReady));
            }
            CompletableFuture.allOf(starts.toArray(new CompletableFuture[0])).join();
            cluster.awaitBrokers(brokers);
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    private void configure(int brokers, Map<String, String> overrides) {
        Set<Integer> taken = new HashSet<>();
        StringJoiner voters = new StringJoiner(",");
        List<int[]> ports = new ArrayList<>();
        for (int id = 1; id <= brokers; id++) {
            int[] p = {freePort(taken), freePort(taken)};
            ports.add(p);
            voters.add(id + "@127.0.0.1:" + p[1]);
        }
        for (int id = 1; id <= brokers; id++) {
            Path nodeDir = dir.resolve("node-" + id);
            int[] p = ports.get(id - 1);
            Properties props = EmbeddedKafka.nodeProperties(id, nodeDir, p[0], p[1], voters.toString(), brokers,
                    overrides);
            try {
                Files.createDirectories(nodeDir);
                try (OutputStream out = Files.newOutputStream(nodeDir.resolve("server.properties"))) {
                    props.store(out, "node " + id + " of a test cluster of processes");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            nodes.add(new Node(id, nodeDir, p[0]));
        }
    }

    /** {@code 127.0.0.1:port,...} of every node, killed ones included. */
    public String bootstrapServers() {
        StringJoiner j = new StringJoiner(",");
        nodes.forEach(n -> j.add("127.0.0.1:" + n.port));
        return j.toString();
    }

    /** SIGKILL to node {@code nodeId}'s process (1-based); returns once it is gone. */
    public void kill(int nodeId) {
        node(nodeId).kill();
    }

    /** Starts node {@code nodeId} again on its data and ports after {@link #kill}; returns when it serves. */
    public void restart(int nodeId) {
        Node n = node(nodeId);
        n.launch();
        n.awaitReady();
    }

    @Override
    public void close() {
        destroyAll();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void destroyAll() {
        nodes.forEach(Node::kill);
    }

    private Node node(int nodeId) {
        if (nodeId < 1 || nodeId > nodes.size()) {
            throw new IllegalArgumentException("no node " + nodeId + " in a cluster of " + nodes.size());
        }
        return nodes.get(nodeId - 1);
    }

    private void awaitBrokers(int expected) {
        Map<String, Object> conf = new HashMap<>();
        conf.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        long deadline = System.nanoTime() + READY_WITHIN.toNanos();
        try (Admin admin = Admin.create(conf)) {
            while (true) {
                try {
                    if (admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size() >= expected) {
                        return;
                    }
                } catch (Exception notYet) {
                    // the cluster is still electing its controller
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the Kafka node processes under " + dir + " did not all join");
                }
                sleep(100);
            }
        }
    }

    private static int freePort(Set<Integer> taken) {
        while (true) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                if (taken.add(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** One node's process. */
    private final class Node {
        final int id;
        final Path dir;
        final int port;
        Process process;
        long outputStart;

        Node(int id, Path dir, int port) {
            this.id = id;
            this.dir = dir;
            this.port = port;
        }

        void launch() {
            Path out = dir.resolve("out.log");
            List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xms64m", "-Xmx320m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-cp", System.getProperty("java.class.path"), KafkaNodeMain.class.getName(),
                    dir.resolve("server.properties").toString(), clusterId);
            try {
                outputStart = Files.exists(out) ? Files.size(out) : 0;
                process = new ProcessBuilder(cmd).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile())).start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void awaitReady() {
            long deadline = System.nanoTime() + READY_WITHIN.toNanos();
            while (!output().contains(KafkaNodeMain.READY)) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    String o = output();
                    throw new IllegalStateException("Kafka node " + id + " did not start (" + (process.isAlive()
                            ? "no answer" : "exit " + process.exitValue()) + "):\n"
                            + o.substring(Math.max(0, o.length() - 3000)));
                }
                sleep(50);
            }
        }

        private String output() {
            try {
                byte[] all = Files.readAllBytes(dir.resolve("out.log"));
                return new String(all, (int) Math.min(outputStart, all.length),
                        (int) Math.max(0, all.length - outputStart), java.nio.charset.StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }

        void kill() {
            Process p = process;
            if (p != null && p.isAlive()) {
                p.destroyForcibly();
                try {
                    p.waitFor(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
