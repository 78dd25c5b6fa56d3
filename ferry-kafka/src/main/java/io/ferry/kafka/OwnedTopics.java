package io.ferry.kafka;

import io.ferry.core.FerryException;
import io.ferry.core.TableId;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What one pipeline keeps in Kafka: the topics under its prefix (table topics, offsets, schemas, dead letters), the
 * apply side's consumer group and the capture lease's group ({@code --role capture}). Used by {@code ferry drop} and {@code ferry reset} while the pipeline is stopped.
 * The transactional id is not listed: Kafka has no way to delete one, and the coordinator forgets it after
 * {@code transactional.id.expiration.ms}.
 */
public final class OwnedTopics implements AutoCloseable {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    private final String bootstrapServers;
    private final Map<String, String> clientProperties;
    private final String prefix;
    private final String pipeline;
    private final List<String> groups;
    private final TopicAdmin admin;

    /** @param groups the pipeline's consumer groups: the apply side's and the capture lease's */
    public OwnedTopics(String bootstrapServers, Map<String, String> clientProperties, String topicPrefix,
                       String pipeline, List<String> groups) {
        this.bootstrapServers = bootstrapServers;
        this.clientProperties = Map.copyOf(clientProperties);
        this.prefix = topicPrefix;
        this.pipeline = pipeline;
        this.groups = List.copyOf(groups);
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
            SchemaCodec.Published p = v == null ? null : SchemaCodec.read(v);
            if (p != null && !p.sourceShape()) {
                out.add(p.schema().table());
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

    /** The pipeline's consumer groups that exist, each with its members (empty when nobody is in it). */
    public Map<String, List<String>> groups() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String g : groups) {
            List<String> members = admin.groupMembers(g);
            if (members != null) {
                out.put(g, members);
            }
        }
        return out;
    }

    /** Deletes the consumer groups that exist and the topics; throws when a group still has members. */
    public void delete(List<String> topics) {
        Map<String, List<String>> existing = groups();
        existing.forEach((g, members) -> {
            if (!members.isEmpty()) {
                throw new FerryException("consumer group " + g + " has active members " + members
                        + ": the pipeline is running (a killed process leaves after the group's session"
                        + " timeout, 45 s by default)");
            }
        });
        existing.keySet().forEach(admin::deleteGroup);
        admin.deleteTopics(topics);
    }

    @Override
    public void close() {
        admin.close();
    }
}
