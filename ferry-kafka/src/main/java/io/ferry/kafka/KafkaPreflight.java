package io.ferry.kafka;

import io.ferry.core.FerryException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Checks, before a pipeline starts, that its Kafka cluster answers and can run Ferry's transactions: a bootstrap
 * server accepts connections, the cluster answers an admin request, the transaction state log can be created with
 * the brokers there are, and topics the pipeline already has can take {@code acks=all} writes. Each check is bounded
 * by the given time; failures are one-line {@link FerryException}s, retriable when the cluster is out of reach.
 */
public final class KafkaPreflight {

    private final String bootstrapServers;
    private final Map<String, String> clientProperties;
    private final Duration timeout;

    public KafkaPreflight(String bootstrapServers, Map<String, String> clientProperties, Duration timeout) {
        this.bootstrapServers = bootstrapServers;
        this.clientProperties = Map.copyOf(clientProperties);
        this.timeout = timeout;
    }

    /** Runs every check; {@code topics} are the pipeline's topics that may exist already (absent ones are skipped). */
    public void check(Collection<String> topics) {
        reachable();
        Map<String, Object> conf = new HashMap<>(clientProperties);
        conf.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        conf.put(AdminClientConfig.CLIENT_ID_CONFIG, "ferry-preflight");
        int millis = (int) Math.max(1000, timeout.toMillis());
        conf.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, millis);
        conf.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis);
        Admin created;
        try {
            created = Admin.create(conf);
        } catch (org.apache.kafka.common.KafkaException e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            throw new FerryException("kafka.properties: the Kafka client refuses them: " + firstLine(root), e, false);
        }
        try (Admin admin = created) {
            Collection<Node> brokers = get(admin.describeCluster().nodes(), "answer as a Kafka cluster");
            if (brokers.isEmpty()) {
                throw FerryException.retriable("the Kafka cluster at " + bootstrapServers + " has no broker up", null);
            }
            checkTransactionLog(admin, brokers);
            checkTopics(admin, topics);
        }
    }

    /** Throws unless at least one bootstrap server accepts a TCP connection, naming why the first one does not. */
    void reachable() {
        unreachable().ifPresent(reason -> {
            throw FerryException.retriable("cannot reach Kafka at " + bootstrapServers + ": " + reason, null);
        });
    }

    /**
     * Why no bootstrap server accepts a TCP connection (e.g. {@code connection refused}), or empty when one does: a
     * cheap check, bounded by the timeout per server, that a running pipeline repeats to say Kafka is down.
     */
    public java.util.Optional<String> unreachable() {
        List<String> reasons = new ArrayList<>();
        for (String server : bootstrapServers.split(",")) {
            String s = server.strip();
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || colon == s.length() - 1) {
                throw new FerryException("kafka.bootstrap-servers: '" + s + "' is not host:port");
            }
            String host = s.substring(0, colon).replace("[", "").replace("]", "");
            int port;
            try {
                port = Integer.parseInt(s.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new FerryException("kafka.bootstrap-servers: '" + s + "' is not host:port");
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(host, port), (int) Math.min(timeout.toMillis(), 5000));
                return java.util.Optional.empty();
            } catch (UnknownHostException e) {
                reasons.add("unknown host " + host);
            } catch (IOException e) {
                reasons.add(reason(e));
            }
        }
        return java.util.Optional.of(reasons.get(0));
    }

    private static String reason(IOException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.toLowerCase(java.util.Locale.ROOT).startsWith("connect timed out") ? "no answer (connect timed out)"
                : m.replace("Connection refused", "connection refused");
    }

    /**
     * Ferry's producers are transactional: the coordinator creates {@code __transaction_state} on first use with
     * the configured replication factor, and waits forever when the cluster has fewer brokers.
     */
    private void checkTransactionLog(Admin admin, Collection<Node> brokers) {
        Node any = brokers.iterator().next();
        ConfigResource resource = new ConfigResource(ConfigResource.Type.BROKER, Integer.toString(any.id()));
        Config config;
        try {
            config = get(admin.describeConfigs(List.of(resource)).all(), "describe broker " + any.id()).get(resource);
        } catch (FerryException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.AuthorizationException) {
                return; // a login without DescribeConfigs on the cluster: the check is skipped, not failed
            }
            throw e;
        }
        if (config == null) {
            return;
        }
        for (String key : List.of("transaction.state.log.replication.factor", "transaction.state.log.min.isr")) {
            ConfigEntry e = config.get(key);
            if (e != null && e.value() != null && Integer.parseInt(e.value()) > brokers.size()) {
                throw new FerryException("the Kafka cluster at " + bootstrapServers + " has " + brokers.size()
                        + " broker(s) but " + key + "=" + e.value() + ", so no transaction can start; set " + key
                        + " to at most " + brokers.size() + " in the brokers' configuration (or add brokers)");
            }
        }
    }

    /** A topic whose min.insync.replicas exceeds its replicas refuses every acks=all write. */
    private void checkTopics(Admin admin, Collection<String> topics) {
        Map<String, TopicDescription> described = new HashMap<>();
        for (String topic : topics) {
            try {
                described.put(topic, admin.describeTopics(List.of(topic)).allTopicNames()
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(topic));
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw unreachable("describe topic " + topic, e.getCause());
                }
            } catch (TimeoutException e) {
                throw unreachable("describe topic " + topic, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw FerryException.retriable("interrupted while describing topic " + topic, e);
            }
        }
        for (TopicDescription td : described.values()) {
            ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, td.name());
            Config c = get(admin.describeConfigs(List.of(r)).all(), "describe topic " + td.name()).get(r);
            ConfigEntry minIsr = c == null ? null : c.get("min.insync.replicas");
            int replicas = td.partitions().isEmpty() ? 0 : td.partitions().get(0).replicas().size();
            if (minIsr != null && minIsr.value() != null && Integer.parseInt(minIsr.value()) > replicas) {
                throw new FerryException("topic " + td.name() + " on " + bootstrapServers + " has min.insync.replicas="
                        + minIsr.value() + " but " + replicas + " replica(s), so every write to it fails; run"
                        + " kafka-configs --alter --entity-type topics --entity-name " + td.name()
                        + " --add-config min.insync.replicas=" + Math.max(1, replicas));
            }
        }
    }

    private <T> T get(org.apache.kafka.common.KafkaFuture<T> f, String what) {
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw unreachable(what, e.getCause());
        } catch (TimeoutException e) {
            throw unreachable(what, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw FerryException.retriable("interrupted while trying to " + what, e);
        }
    }

    private static String firstLine(Throwable t) {
        String m = String.valueOf(t.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    private FerryException unreachable(String what, Throwable cause) {
        if (cause instanceof org.apache.kafka.common.errors.AuthenticationException
                || cause instanceof org.apache.kafka.common.errors.AuthorizationException) {
            return new FerryException("Kafka at " + bootstrapServers + " refused to " + what + ": " + firstLine(cause)
                    + " (check the credentials and ACLs in kafka.properties)", cause, false);
        }
        String why = cause instanceof TimeoutException || cause instanceof org.apache.kafka.common.errors.TimeoutException
                ? "no answer within " + timeout.toSeconds() + " s (is it Kafka, and do kafka.properties such as"
                + " security.protocol match its listener?)"
                : String.valueOf(cause.getMessage());
        return FerryException.retriable("Kafka at " + bootstrapServers + " did not " + what + ": " + why, cause);
    }
}
