package io.ferry.kafka;

import io.ferry.core.FerryException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
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

import java.util.ArrayList;
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
