package io.ferry.kafka;

import io.ferry.core.FerryException;
import io.ferry.core.TableId;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What one pipeline keeps in Kafka: the topics under its prefix (table topics, offsets, schemas, dead letters) and the
 * apply side's consumer group. Used by {@code ferry drop} and {@code ferry reset} while the pipeline is stopped.
 * The transactional id is not listed: Kafka has no way to delete one, and the coordinator forgets it after
 * {@code transactional.id.expiration.ms}.
 */
public final class OwnedTopics implements AutoCloseable {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    private final String bootstrapServers;
    private final Map<String, String> clientProperties;
    private final String prefix;
    private final String pipeline;
    private final String group;
    private final TopicAdmin admin;

    public OwnedTopics(String bootstrapServers, Map<String, String> clientProperties, String topicPrefix,
                       String pipeline, String consumerGroup) {
        this.bootstrapServers = bootstrapServers;
        this.clientProperties = Map.copyOf(clientProperties);
        this.prefix = topicPrefix;
        this.pipeline = pipeline;
        this.group = consumerGroup;
        this.admin = new TopicAdmin(bootstrapServers, clientProperties);
    }

    /** The start every topic name of the pipeline has, as Kafka spells it: {@code <prefix>.} */
    public String topicNamePrefix() {
        String offsets = TopicNames.offsets(prefix);
        return offsets.substring(0, offsets.length() - "ferry-offsets".length());
    }

    /** Topics that exist under the pipeline's prefix, sorted. */
    public List<String> topics() {
        String start = topicNamePrefix();
        List<String> out = new ArrayList<>();
        for (String t : new TreeSet<>(admin.topicNames())) {
            if (t.startsWith(start)) {
                out.add(t);
            }
        }
        return out;
    }

    /** The tables whose schemas the pipeline published (empty when its schemas topic is gone). */
    public List<TableId> tables() {
        Set<TableId> out = new LinkedHashSet<>();
        CommittedLog.read(bootstrapServers, clientProperties, TopicNames.schemas(prefix), READ_TIMEOUT, (k, v) -> {
            if (v != null) {
                out.add(SchemaCodec.read(v).schema().table());
            }
        });
        return List.copyOf(out);
    }

    /** Other pipelines whose positions are in this prefix's offsets topic: they share the topics. */
    public List<String> otherPipelines() {
        Set<String> out = new TreeSet<>();
        CommittedLog.read(bootstrapServers, clientProperties, TopicNames.offsets(prefix), READ_TIMEOUT, (k, v) -> {
            String name = k == null ? "" : new String(k, StandardCharsets.UTF_8);
            if (v != null && !name.equals(pipeline)) {
                out.add(name);
            }
        });
        return List.copyOf(out);
    }

    /** The consumer group's members, or null when the group does not exist. */
    public List<String> groupMembers() {
        return admin.groupMembers(group);
    }

    public String group() {
        return group;
    }

    /** Deletes the consumer group (when it exists) and the topics; throws when the group still has members. */
    public void delete(List<String> topics) {
        List<String> members = groupMembers();
        if (members != null) {
            if (!members.isEmpty()) {
                throw new FerryException("consumer group " + group + " has active members " + members
                        + ": the pipeline's applier is running (a killed one leaves after the group's session"
                        + " timeout, 45 s by default)");
            }
            admin.deleteGroup(group);
        }
        admin.deleteTopics(topics);
    }

    @Override
    public void close() {
        admin.close();
    }
}
