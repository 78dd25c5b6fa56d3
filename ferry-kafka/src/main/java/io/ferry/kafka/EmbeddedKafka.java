package io.ferry.kafka;

import io.ferry.core.FerryException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A real Kafka KRaft cluster (1..n combined broker+controller nodes with static voters) running inside this
 * JVM on loopback, with its data under a given directory. Starting again on the same directory reuses the
 * formatted storage, its data and, when they are still free, its ports. Methods are not thread-safe.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final String PORTS_FILE = "ferry-embedded-ports.properties";

    private final List<Node> nodes;

    private EmbeddedKafka(List<Node> nodes) {
        this.nodes = nodes;
    }

    /** Starts one broker+controller with data under {@code dataDir}; blocks until it serves clients. */
    public static EmbeddedKafka start(Path dataDir) {
        return startCluster(dataDir, 1, Map.of());
    }

    /**
     * Starts {@code brokers} combined broker+controller nodes (node ids 1..n, data under
     * {@code dataDir/node-<id>} when n > 1) and blocks until all serve clients. {@code overrides} are broker
     * properties applied last (for example a shorter {@code broker.session.timeout.ms} in failure tests).
     */
    public static EmbeddedKafka startCluster(Path dataDir, int brokers, Map<String, String> overrides) {
        if (brokers < 1) {
            throw new IllegalArgumentException("brokers must be at least 1, was " + brokers);
        }
        try {
            Files.createDirectories(dataDir);
            Properties ports = loadPorts(dataDir);
            List<Node> nodes = new ArrayList<>();
            Set<Integer> taken = new HashSet<>();
            for (int id = 1; id <= brokers; id++) {
                Path dir = brokers == 1 ? dataDir : dataDir.resolve("node-" + id);
                Files.createDirectories(dir);
                int port = reuseOrPick(ports, "broker." + id, taken);
                int controllerPort = reuseOrPick(ports, "controller." + id, taken);
                nodes.add(new Node(id, dir, port, controllerPort));
            }
            savePorts(dataDir, ports);
            StringJoiner voters = new StringJoiner(",");
            for (Node n : nodes) {
                voters.add(n.id + "@127.0.0.1:" + n.controllerPort);
            }
            String clusterId = Uuid.randomUuid().toString();
            for (Node n : nodes) {
                n.props = brokerProperties(n, voters.toString(), brokers, overrides);
                n.format(clusterId);
            }
            EmbeddedKafka kafka = new EmbeddedKafka(nodes);
            try {
                kafka.startNodes(nodes);
                kafka.awaitBrokers(brokers, Duration.ofSeconds(60));
            } catch (RuntimeException e) {
                kafka.close();
                throw e;
            }
            return kafka;
        } catch (IOException e) {
            throw new FerryException("cannot prepare the embedded Kafka data directory " + dataDir + ": " + e.getMessage(),
                    e, false);
        }
    }

    /** {@code host:port,...} of the running brokers, for {@code bootstrap.servers}. */
    /**
     * Where the embedded single broker of {@code dataDir} listens when it runs (in another process, say
     * {@code ferry run}), or empty when it never ran there.
     */
    public static java.util.Optional<String> bootstrapServersOf(Path dataDir) {
        try {
            String port = loadPorts(dataDir).getProperty("broker.1");
            return java.util.Optional.ofNullable(port).map(p -> "127.0.0.1:" + p);
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    public String bootstrapServers() {
        StringJoiner j = new StringJoiner(",");
        for (Node n : nodes) {
            if (n.server != null) {
                j.add("127.0.0.1:" + n.port);
            }
        }
        return j.toString();
    }

    /** Number of nodes this cluster was started with. */
    public int brokerCount() {
        return nodes.size();
    }

    /**
     * Stops node {@code nodeId} (1-based) as a failure test loses a broker: in a cluster of several, without
     * controlled shutdown, so its partitions lose it the way they lose a killed broker.
     */
    public void stopBroker(int nodeId) {
        Node n = node(nodeId);
        n.stop();
    }

    /** Starts node {@code nodeId} again on its data and ports after {@link #stopBroker}. */
    public void restartBroker(int nodeId) {
        Node n = node(nodeId);
        if (n.server == null) {
            n.start();
        }
    }

    @Override
    public void close() {
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        for (Node n : nodes) {
            stops.add(CompletableFuture.runAsync(n::stop));
        }
        CompletableFuture.allOf(stops.toArray(new CompletableFuture[0])).join();
    }

    private Node node(int nodeId) {
        if (nodeId < 1 || nodeId > nodes.size()) {
            throw new IllegalArgumentException("no node " + nodeId + " in a cluster of " + nodes.size());
        }
        return nodes.get(nodeId - 1);
    }

    private void startNodes(List<Node> toStart) {
        // A combined node's startup waits for the controller quorum, so all nodes must start together.
        List<CompletableFuture<Void>> starts = new ArrayList<>();
        for (Node n : toStart) {
            starts.add(CompletableFuture.runAsync(n::start));
        }
        try {
            CompletableFuture.allOf(starts.toArray(new CompletableFuture[0])).get(120, TimeUnit.SECONDS);
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new FerryException("the embedded Kafka broker did not start: " + cause.getMessage(), cause, false);
        }
    }

    private void awaitBrokers(int expected, Duration timeout) {
        Map<String, Object> conf = new HashMap<>();
        conf.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(conf)) {
            while (true) {
                try {
                    int seen = admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size();
                    if (seen >= expected) {
                        return;
                    }
                } catch (Exception e) {
                    if (System.nanoTime() > deadline) {
                        throw new FerryException("the embedded Kafka cluster did not become ready: " + e, e, false);
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new FerryException("the embedded Kafka cluster did not see all " + expected + " brokers", null, false);
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new FerryException("interrupted while waiting for the embedded Kafka cluster", e, false);
                }
            }
        }
    }

    private static Properties brokerProperties(Node n, String voters, int brokers, Map<String, String> overrides) {
        return nodeProperties(n.id, n.dir, n.port, n.controllerPort, voters, brokers, overrides);
    }

    /**
     * The properties of node {@code id} of a cluster of {@code brokers} combined nodes with static {@code voters}
     * ({@code id@127.0.0.1:port,...}), its data under {@code dir/data}; also for a test that runs each node in a
     * process of its own.
     */
    static Properties nodeProperties(int id, Path dir, int port, int controllerPort, String voters, int brokers,
                                     Map<String, String> overrides) {
        String rf = Integer.toString(Math.min(3, brokers));
        String minIsr = Integer.toString(Math.min(2, brokers));
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(id));
        p.put("controller.quorum.voters", voters);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", dir.resolve("data").toString());
        p.put("offsets.topic.replication.factor", rf);
        p.put("offsets.topic.num.partitions", "5");
        p.put("transaction.state.log.replication.factor", rf);
        p.put("transaction.state.log.min.isr", brokers == 1 ? "1" : minIsr);
        p.put("transaction.state.log.num.partitions", "5");
        p.put("share.coordinator.state.topic.replication.factor", rf);
        p.put("share.coordinator.state.topic.min.isr", brokers == 1 ? "1" : minIsr);
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "false");
        p.put("num.partitions", "1");
        // Memory: the log cleaner's dedupe buffer dominates a default broker's footprint (128 MB).
        p.put("log.cleaner.dedupe.buffer.size", "4194304");
        p.put("num.io.threads", "2");
        p.put("num.network.threads", "1");
        p.put("background.threads", "2");
        p.put("num.replica.fetchers", "1");
        p.put("log.cleaner.threads", "1");
        if (brokers > 1) {
            // A node stops as if killed: no controlled shutdown, so the controller learns it is gone from missed
            // heartbeats, as after a crash. It also keeps close() from waiting up to 5 minutes for the approval of
            // a controller quorum that the other nodes, stopping at the same time, have already left.
            p.put("controlled.shutdown.enable", "false");
        }
        p.putAll(overrides);
        return p;
    }

    private static Properties loadPorts(Path dataDir) throws IOException {
        Properties ports = new Properties();
        Path f = dataDir.resolve(PORTS_FILE);
        if (Files.exists(f)) {
            try (InputStream in = Files.newInputStream(f)) {
                ports.load(in);
            }
        }
        return ports;
    }

    private static void savePorts(Path dataDir, Properties ports) throws IOException {
        try (OutputStream out = Files.newOutputStream(dataDir.resolve(PORTS_FILE))) {
            ports.store(out, "ports of the embedded Kafka cluster, reused on restart while free");
        }
    }

    /**
     * The port used last time under {@code key} if still free, else a new ephemeral one. The kernel may hand
     * back a port it just gave us once that socket is closed, so ports already chosen for this cluster are
     * skipped: two listeners on one port is a startup error (seen in CI).
     */
    private static int reuseOrPick(Properties ports, String key, Set<Integer> taken) throws IOException {
        String previous = ports.getProperty(key);
        int port;
        if (previous != null && !taken.contains(Integer.parseInt(previous)) && isFree(Integer.parseInt(previous))) {
            port = Integer.parseInt(previous);
        } else {
            port = pickEphemeral(taken);
        }
        taken.add(port);
        ports.setProperty(key, Integer.toString(port));
        return port;
    }

    private static int pickEphemeral(Set<Integer> taken) throws IOException {
        while (true) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                if (!taken.contains(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            }
        }
    }

    private static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** One combined broker+controller process-in-a-JVM. */
    private static final class Node {
        final int id;
        final Path dir;
        final int port;
        final int controllerPort;
        Properties props;
        volatile KafkaRaftServer server;

        Node(int id, Path dir, int port, int controllerPort) {
            this.id = id;
            this.dir = dir;
            this.port = port;
            this.controllerPort = controllerPort;
        }

        void format(String clusterId) throws IOException {
            if (Files.exists(dir.resolve("data").resolve("meta.properties"))) {
                return;
            }
            Path conf = dir.resolve("server.properties");
            try (OutputStream out = Files.newOutputStream(conf)) {
                props.store(out, "embedded Kafka node " + id);
            }
            ByteArrayOutputStream output = new ByteArrayOutputStream();
            int rc;
            try (PrintStream ps = new PrintStream(output, true, StandardCharsets.UTF_8)) {
                rc = StorageTool.execute(new String[]{"format", "-t", clusterId, "-c", conf.toString()}, ps);
            }
            if (rc != 0) {
                throw new FerryException("cannot format embedded Kafka storage in " + dir + ": "
                        + output.toString(StandardCharsets.UTF_8).trim(), null, false);
            }
        }

        void start() {
            KafkaRaftServer s = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
            try {
                s.startup();
            } catch (RuntimeException e) {
                s.shutdown();
                throw e;
            }
            server = s;
        }

        void stop() {
            KafkaRaftServer s = server;
            if (s != null) {
                server = null;
                s.shutdown();
                s.awaitShutdown();
            }
        }

        @Override
        public String toString() {
            return "node " + id;
        }
    }
}
