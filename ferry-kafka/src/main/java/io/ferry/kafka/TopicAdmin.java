package io.ferry.kafka;

import io.ferry.core.FerryException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Creates the topics Ferry writes (replication factor {@code min(3, brokers)}, {@code min.insync.replicas=2}
 * with 3+ brokers, no unclean leader election) and describes their partitions' replication health. Thread-safe;
 * failures to reach the cluster are retriable {@link FerryException}s.
 */
public final class TopicAdmin implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TopicAdmin.class);
    private static final AtomicBoolean WARNED_SMALL_CLUSTER = new AtomicBoolean();
    private static final long TIMEOUT_SECONDS = 30;

    private final Admin admin;
    private final String bootstrapServers;

    /** One state of one partition: leader (-1 when none), replicas, in-sync replicas and high watermark. */
    public record PartitionState(int partition, int leader, List<Integer> replicas, List<Integer> isr,
                                 long highWatermark) {
    }

    /**
     * The replication health of one partition and how far the pipeline's consumer group is behind on it.
     *
     * @param leader           the leader's broker id, -1 when the partition has none
     * @param minIsr           the topic's {@code min.insync.replicas}
     * @param highWatermark    -1 when it could not be read (no leader)
     * @param lastStableOffset the offset a read_committed consumer can read up to; -1 when unknown
     * @param committed        the group's committed offset, -1 when it has none
     */
    public record PartitionHealth(String topic, int partition, int leader, List<Integer> replicas, List<Integer> isr,
                                  int minIsr, long highWatermark, long lastStableOffset, long committed) {

        public boolean underReplicated() {
            return isr.size() < replicas.size();
        }

        public boolean underMinIsr() {
            return isr.size() < minIsr;
        }

        /**
         * Records the group has still to read up to the last stable offset, as Kafka's own tools count it: a
         * transaction's commit marker takes an offset too, so a caught-up partition may show 1. -1 when unknown.
         */
        public long lag() {
            return lastStableOffset < 0 ? -1 : Math.max(0, lastStableOffset - Math.max(0, committed));
        }
    }

    /** An admin client of {@code bootstrapServers} with {@code clientProperties} (security settings) added. */
    public TopicAdmin(String bootstrapServers, Map<String, String> clientProperties) {
        Map<String, Object> conf = new HashMap<>(clientProperties);
        conf.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        conf.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "ferry-admin");
        this.admin = Admin.create(conf);
        this.bootstrapServers = bootstrapServers;
    }

    /**
     * The number of brokers registered with the cluster, including fenced ones (down for now): a broker that is
     * restarting must not make Ferry create topics with fewer replicas.
     */
    public int brokerCount() {
        return await(admin.describeCluster(new DescribeClusterOptions().includeFencedBrokers(true)).nodes(),
                "count the brokers").size();
    }

    /**
     * Creates {@code topic} with {@code partitions} partitions unless it exists (a concurrent creation counts
     * as existing); {@code compact} selects {@code cleanup.policy=compact}. Returns whether this call created it.
     */
    public boolean ensureTopic(String topic, int partitions, boolean compact) {
        int brokers = brokerCount();
        short rf = (short) Math.min(3, brokers);
        int minIsr = brokers >= 3 ? 2 : 1;
        if (brokers < 3 && WARNED_SMALL_CLUSTER.compareAndSet(false, true)) {
            LOG.warn("The Kafka cluster at {} has {} broker(s): topics get replication factor {} and min.insync.replicas"
                    + " {}, not 3 and 2; a broker failure can lose acknowledged data.", bootstrapServers, brokers, rf, minIsr);
        }
        Map<String, String> configs = new HashMap<>();
        configs.put("min.insync.replicas", Integer.toString(minIsr));
        configs.put("unclean.leader.election.enable", "false");
        if (compact) {
            configs.put("cleanup.policy", "compact");
        }
        NewTopic nt = new NewTopic(topic, partitions, rf).configs(configs);
        try {
            admin.createTopics(List.of(nt)).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            awaitLeaders(topic, partitions);
            return true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
                return false;
            }
            if (e.getCause() instanceof InvalidReplicationFactorException) {
                throw FerryException.retriable("cannot create topic " + topic + " with " + rf + " replicas while "
                        + "brokers of " + bootstrapServers + " are down: " + e.getCause().getMessage(), e.getCause());
            }
            if (e.getCause() instanceof InvalidTopicException) {
                throw new FerryException("Kafka refuses topic " + topic + ": " + e.getCause().getMessage()
                        + " (rename the table or choose another topic prefix)", e.getCause(), false);
            }
            throw unreachable("create topic " + topic, e.getCause());
        } catch (TimeoutException e) {
            throw unreachable("create topic " + topic, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw FerryException.retriable("interrupted while creating topic " + topic, e);
        }
    }

    /** Clients that use a topic right after its creation would otherwise meet stale metadata and log retries. */
    private void awaitLeaders(String topic, int partitions) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (System.nanoTime() < deadline) {
            TopicDescription td = describeTopics(List.of(topic), true).get(topic);
            if (td != null && td.partitions().size() == partitions
                    && td.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
                return;
            }
            Thread.sleep(20);
        }
        LOG.warn("Topic {} was created but its partitions have no leader after {} s", topic, TIMEOUT_SECONDS);
    }

    /** The partition count of {@code topic}, or 0 when it does not exist. */
    public int partitionCount(String topic) {
        Map<String, TopicDescription> d = describeTopics(List.of(topic), true);
        TopicDescription td = d.get(topic);
        return td == null ? 0 : td.partitions().size();
    }

    /** Leader, replicas, ISR and high watermark of every partition of {@code topic}, in partition order. */
    public List<PartitionState> describe(String topic) {
        TopicDescription td = describeTopics(List.of(topic), false).get(topic);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (TopicPartitionInfo p : td.partitions()) {
            latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest());
        }
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> hw =
                await(admin.listOffsets(latest).all(), "read high watermarks of " + topic);
        List<PartitionState> out = new ArrayList<>();
        for (TopicPartitionInfo p : td.partitions()) {
            ListOffsetsResult.ListOffsetsResultInfo info = hw.get(new TopicPartition(topic, p.partition()));
            out.add(new PartitionState(p.partition(), p.leader() == null ? -1 : p.leader().id(), ids(p.replicas()),
                    ids(p.isr()), info == null ? -1 : info.offset()));
        }
        return out;
    }

    /** The names of the cluster's topics that start with {@code prefix}, sorted; waits at most {@code timeout}. */
    public List<String> topicsStartingWith(String prefix, Duration timeout) {
        List<String> out = new ArrayList<>();
        for (String t : await(admin.listTopics(new ListTopicsOptions().timeoutMs(millis(timeout))).names(),
                "list topics")) {
            if (t.startsWith(prefix)) {
                out.add(t);
            }
        }
        out.sort(null);
        return out;
    }

    /**
     * Leader, ISR against replicas and min ISR, high watermark, last stable offset and the committed offset of
     * {@code group} for every partition of {@code topics}. A partition whose offsets cannot be read now (no
     * leader) is listed with -1 offsets rather than failing the whole answer: that is when it matters most.
     * Each request waits at most {@code timeout}: a poller asks again soon, a one-shot command can wait longer.
     */
    public List<PartitionHealth> health(Collection<String> topics, String group, Duration timeout) {
        if (topics.isEmpty()) {
            return List.of();
        }
        int timeoutMs = millis(timeout);
        Map<String, TopicDescription> described = await(admin.describeTopics(topics,
                new DescribeTopicsOptions().timeoutMs(timeoutMs)).allTopicNames(), "describe " + topics);
        List<ConfigResource> resources = new ArrayList<>();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (TopicDescription td : described.values()) {
            resources.add(new ConfigResource(ConfigResource.Type.TOPIC, td.name()));
            for (TopicPartitionInfo p : td.partitions()) {
                latest.put(new TopicPartition(td.name(), p.partition()), OffsetSpec.latest());
            }
        }
        Map<ConfigResource, Config> configs = await(admin.describeConfigs(resources,
                new DescribeConfigsOptions().timeoutMs(timeoutMs)).all(), "describe " + topics);
        ListOffsetsResult hw = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)
                .timeoutMs(timeoutMs));
        ListOffsetsResult lso = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)
                .timeoutMs(timeoutMs));
        Map<TopicPartition, OffsetAndMetadata> committed = group == null ? Map.of()
                : await(admin.listConsumerGroupOffsets(group, new ListConsumerGroupOffsetsOptions()
                        .timeoutMs(timeoutMs)).partitionsToOffsetAndMetadata(), "read the offsets of " + group);
        List<PartitionHealth> out = new ArrayList<>();
        for (String topic : topics.stream().sorted().toList()) {
            TopicDescription td = described.get(topic);
            if (td == null) {
                continue;
            }
            Config config = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, topic));
            ConfigEntry minIsr = config == null ? null : config.get("min.insync.replicas");
            for (TopicPartitionInfo p : td.partitions()) {
                TopicPartition tp = new TopicPartition(topic, p.partition());
                OffsetAndMetadata c = committed.get(tp);
                out.add(new PartitionHealth(topic, p.partition(), p.leader() == null ? -1 : p.leader().id(),
                        ids(p.replicas()), ids(p.isr()), minIsr == null ? 1 : Integer.parseInt(minIsr.value()),
                        offsetOf(hw, tp, timeoutMs), offsetOf(lso, tp, timeoutMs), c == null ? -1 : c.offset()));
            }
        }
        return out;
    }

    private static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, d.toMillis());
    }

    private static long offsetOf(ListOffsetsResult result, TopicPartition tp, int timeoutMs) {
        try {
            return result.partitionResult(tp).get(timeoutMs, TimeUnit.MILLISECONDS).offset();
        } catch (ExecutionException | TimeoutException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** A topic's configuration values that were set explicitly or by the broker, by name. */
    public Map<String, String> topicConfig(String topic) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Config config = await(admin.describeConfigs(List.of(resource)).all(), "describe topic " + topic).get(resource);
        Map<String, String> out = new HashMap<>();
        config.entries().forEach(e -> out.put(e.name(), e.value()));
        return out;
    }

    /** The names of every topic of the cluster, internal ones left out. */
    public java.util.Set<String> topicNames() {
        return await(admin.listTopics().names(), "list topics");
    }

    /** Deletes the topics and waits until the cluster no longer lists them; absent ones are skipped. */
    public void deleteTopics(java.util.Collection<String> topics) {
        if (topics.isEmpty()) {
            return;
        }
        try {
            admin.deleteTopics(topics).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                throw unreachable("delete topics " + topics, e.getCause());
            }
        } catch (TimeoutException e) {
            throw unreachable("delete topics " + topics, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw FerryException.retriable("interrupted while deleting topics " + topics, e);
        }
    }

    /** The member ids of consumer group {@code group}, or null when the group does not exist. */
    public List<String> groupMembers(String group) {
        try {
            org.apache.kafka.clients.admin.ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group))
                    .all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS).get(group);
            if (d == null || d.groupState() == org.apache.kafka.common.GroupState.DEAD) {
                return null;
            }
            List<String> out = new ArrayList<>();
            d.members().forEach(m -> out.add(m.groupInstanceId().orElse(m.consumerId()) + "@" + m.host()));
            return out;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.GroupIdNotFoundException) {
                return null;
            }
            throw unreachable("describe consumer group " + group, e.getCause());
        } catch (TimeoutException e) {
            throw unreachable("describe consumer group " + group, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw FerryException.retriable("interrupted while describing consumer group " + group, e);
        }
    }

    /** Deletes an empty consumer group (its committed offsets go with it); an absent group is fine. */
    public void deleteGroup(String group) {
        try {
            admin.deleteConsumerGroups(List.of(group)).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.GroupIdNotFoundException) {
                return;
            }
            if (e.getCause() instanceof org.apache.kafka.common.errors.GroupNotEmptyException) {
                throw new FerryException("consumer group " + group + " on " + bootstrapServers
                        + " has active members: the pipeline's applier is running", e.getCause(), false);
            }
            throw unreachable("delete consumer group " + group, e.getCause());
        } catch (TimeoutException e) {
            throw unreachable("delete consumer group " + group, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw FerryException.retriable("interrupted while deleting consumer group " + group, e);
        }
    }

    @Override
    public void close() {
        admin.close();
    }

    private Map<String, TopicDescription> describeTopics(List<String> topics, boolean missingAsEmpty) {
        try {
            return admin.describeTopics(topics).allTopicNames().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (missingAsEmpty && e.getCause() instanceof UnknownTopicOrPartitionException) {
                return Map.of();
            }
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                throw new FerryException("topic " + topics + " does not exist", e.getCause(), false);
            }
            throw unreachable("describe " + topics, e.getCause());
        } catch (TimeoutException e) {
            throw unreachable("describe " + topics, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw FerryException.retriable("interrupted while describing " + topics, e);
        }
    }

    private <T> T await(KafkaFuture<T> f, String what) {
        try {
            return f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw unreachable(what, e.getCause());
        } catch (TimeoutException e) {
            throw unreachable(what, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw FerryException.retriable("interrupted while trying to " + what, e);
        }
    }

    private FerryException unreachable(String what, Throwable cause) {
        return FerryException.retriable("cannot " + what + " on the Kafka cluster at " + bootstrapServers + ": "
                + cause, cause);
    }

    private static List<Integer> ids(List<Node> nodes) {
        List<Integer> ids = new ArrayList<>(nodes.size());
        for (Node n : nodes) {
            ids.add(n.id());
        }
        return List.copyOf(ids);
    }
}
