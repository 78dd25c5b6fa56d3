package io.ferry.cli;

import io.ferry.core.FerryException;
import io.ferry.core.TableId;
import io.ferry.core.config.PipelineConfig;
import io.ferry.core.connector.Connector;
import io.ferry.core.connector.Connectors;
import io.ferry.core.connector.TargetState;
import io.ferry.kafka.EmbeddedKafka;
import io.ferry.kafka.OwnedTopics;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Removes what a stopped pipeline keeps between runs, for {@code ferry drop} and {@code ferry reset}: the
 * source's state (a PostgreSQL slot and publication), the Kafka topics under its prefix and its consumer group, and
 * its rows in the target's {@code ferry_offsets} and {@code ferry_schemas}; for a reset also the rows of its target
 * tables. Lists everything first, refuses while the pipeline visibly runs, and asks before it removes anything.
 * What each database keeps is the connector's business ({@link Connector#dropSource},
 * {@link Connector#dropSinkState}).
 */
final class PipelineTeardown {

    private final PipelineConfig config;
    private final PrintStream out;
    private final BufferedReader in;
    /** The running pipeline's Kafka (its embedded broker, say), or null to open the configured one. */
    private final String bootstrapServers;

    PipelineTeardown(PipelineConfig config, PrintStream out, BufferedReader in) {
        this(config, out, in, null);
    }

    /** Through {@code bootstrapServers}: for a pipeline stopped through the API, whose process holds the broker. */
    PipelineTeardown(PipelineConfig config, PrintStream out, BufferedReader in, String bootstrapServers) {
        this.config = config;
        this.out = out;
        this.in = in;
        this.bootstrapServers = bootstrapServers;
    }

    /**
     * Lists, confirms (unless {@code yes}) and removes. {@code emptyTables}: also empty the target's copies of the
     * pipeline's tables. Returns the exit code: 0 removed (or nothing to remove), 1 not confirmed.
     */
    int run(String verb, boolean emptyTables, boolean yes) throws IOException {
        Connector source = Connectors.installed().get(config.source().type());
        Connector sink = config.sink().isNone() ? null : Connectors.installed().get(config.sink().type());
        try (Kafka kafka = Kafka.open(config, bootstrapServers)) {
            OwnedTopics owned = kafka.owned;
            // Whether the pipeline runs is read first, before anything is listed or removed.
            List<String> sourceLines = source.dropSource(config, false);
            Map<String, List<String>> groups = owned.groups();
            for (Map.Entry<String, List<String>> g : groups.entrySet()) {
                if (!g.getValue().isEmpty()) {
                    throw new FerryException("the pipeline is running: consumer group " + g.getKey() + " has members "
                            + g.getValue() + "; stop `ferry run` first (a killed one leaves after the group's session"
                            + " timeout, 45 s by default)");
                }
            }
            List<String> others = owned.otherPipelines();
            if (!others.isEmpty()) {
                throw new FerryException("topic prefix '" + config.kafka().topicPrefix() + "' is shared with pipeline(s) "
                        + String.join(", ", others) + ": its topics are not this pipeline's alone; give each pipeline"
                        + " its own kafka.topic-prefix");
            }
            List<String> topics = owned.topics();
            List<TableId> tables = owned.tables();
            TargetState target = new TargetState(owned.topicNamePrefix(), tables, emptyTables);
            List<String> sinkLines = sink == null ? List.of() : sink.dropSinkState(config.sink(), target, false);

            List<String> plan = new ArrayList<>();
            sourceLines.forEach(l -> plan.add("source: " + l));
            topics.forEach(t -> plan.add("Kafka: topic " + t));
            groups.keySet().forEach(g -> plan.add("Kafka: consumer group " + g));
            sinkLines.forEach(l -> plan.add("sink: " + l));
            if (plan.isEmpty()) {
                out.println("pipeline " + config.name() + " keeps nothing to remove");
                return 0;
            }
            out.println(capitalized(verb) + " pipeline " + config.name() + " removes:");
            plan.forEach(l -> out.println("  " + l));
            if (!yes && !confirmed(verb)) {
                out.println("nothing removed (answer y, or pass --yes)");
                return Ferry.EXIT_FAILED;
            }
            // The target first: its rows are found through the schemas topic, which goes next.
            if (sink != null) {
                sink.dropSinkState(config.sink(), target, true);
            }
            owned.delete(topics);
            source.dropSource(config, true);
            out.println(capitalized(verb) + " done: removed " + plan.size() + " item(s)"
                    + (emptyTables ? "; the next `ferry run` takes a new snapshot" : ""));
            return 0;
        }
    }

    private boolean confirmed(String verb) throws IOException {
        out.print(capitalized(verb) + " all of this? [y/N] ");
        out.flush();
        String answer = in.readLine();
        return answer != null && answer.strip().toLowerCase(Locale.ROOT).matches("y|yes");
    }

    private static String capitalized(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    /** The pipeline's Kafka: the configured cluster, or its embedded broker started for the time of the command. */
    private static final class Kafka implements AutoCloseable {
        private final EmbeddedKafka embedded;
        private final OwnedTopics owned;

        private Kafka(EmbeddedKafka embedded, OwnedTopics owned) {
            this.embedded = embedded;
            this.owned = owned;
        }

        static Kafka open(PipelineConfig config, String running) {
            EmbeddedKafka embedded = null;
            String bootstrap = running != null ? running : config.kafka().bootstrapServers();
            if (running == null && config.kafka().embedded()) {
                try {
                    embedded = EmbeddedKafka.start(Path.of(config.kafka().dataDir()));
                } catch (RuntimeException e) {
                    throw new FerryException("cannot start the pipeline's embedded Kafka broker under "
                            + config.kafka().dataDir() + " (is `ferry run` running?): "
                            + SupervisedLoop.oneLine(e), e, false);
                }
                bootstrap = embedded.bootstrapServers();
            }
            return new Kafka(embedded, new OwnedTopics(bootstrap, config.kafka().properties(),
                    config.kafka().topicPrefix(), config.name(), List.of(config.consumerGroup(), config.captureGroup())));
        }

        @Override
        public void close() {
            owned.close();
            if (embedded != null) {
                embedded.close();
            }
        }
    }
}
