package io.ferry.core.config;

import io.ferry.core.Secret;
import io.ferry.core.connector.Connector;
import io.ferry.core.connector.Connectors;
import io.ferry.core.schema.SchemaChangePolicy;
import io.ferry.core.schema.SchemaChanges;
import io.ferry.core.config.SinkConfig.OnError;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import io.ferry.core.config.YamlTree.Scalar;
import io.ferry.core.config.YamlTree.Section;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a pipeline file into a {@link PipelineConfig}, or fails with a {@link ConfigException} listing every
 * problem as {@code file:line: key: what is wrong}. Nothing is connected to; docs/pipeline.md documents
 * every key.
 */
public final class PipelineConfigParser {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,47}");
    private static final Pattern BOOTSTRAP_SERVER = Pattern.compile("(\\[[0-9A-Fa-f:.]+]|[^\\s:,\\[\\]]+):[0-9]{1,5}");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([KMGT]i?B?|B|)", Pattern.CASE_INSENSITIVE);
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|min|h)", Pattern.CASE_INSENSITIVE);
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{(env|file):([^}]*)}");

    private static final int MAX_PARTITIONS = 1_000;

    private static final List<String> POLICIES = List.of("evolve", "lenient", "ignore", "stop");

    private final Function<String, String> environment;
    private final Connectors connectors;
    private final ExpressionSyntax expressionSyntax = ExpressionSyntax.installed();

    /** A parser resolving {@code ${env:X}} from {@code environment}, knowing the given database kinds. */
    public PipelineConfigParser(Function<String, String> environment, Connectors connectors) {
        this.environment = environment;
        this.connectors = connectors;
    }

    /** A parser resolving {@code ${env:X}} from {@code environment}, knowing the installed database kinds. */
    public PipelineConfigParser(Function<String, String> environment) {
        this(environment, Connectors.installed());
    }

    /** A parser resolving {@code ${env:X}} from the process environment. */
    public PipelineConfigParser() {
        this(System::getenv);
    }

    public PipelineConfig parse(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read the pipeline file: " + e.getMessage());
        }
        return parse(text, file.toString());
    }

    public PipelineConfig parse(String text, String fileName) {
        YamlTree yaml = new YamlTree(fileName);
        Section root = yaml.root(text);
        PipelineConfig config = root == null ? null : read(yaml, root);
        if (!yaml.errors().isEmpty()) {
            throw new ConfigException(String.join(System.lineSeparator(), yaml.errors()));
        }
        return config;
    }

    private PipelineConfig read(YamlTree yaml, Section root) {
        Scalar nameNode = root.scalar("name", true);
        String name = null;
        if (nameNode != null) {
            name = resolve(nameNode);
            if (name != null && !NAME.matcher(name).matches()) {
                nameNode.error("'" + name + "' is not a valid pipeline name: use letters, digits, '-' and '_'"
                        + " (at most 48, starting with a letter or digit)");
                name = null;
            }
        }
        Section sourceNode = root.section("source", true);
        // Read before source() rejects the keys it does not know.
        long maxRetainedWal = sourceNode == null ? PipelineConfig.DEFAULT_MAX_RETAINED_WAL
                : bytes(sourceNode.scalar("max-retained-wal", false), PipelineConfig.DEFAULT_MAX_RETAINED_WAL);
        SourceConfig source = sourceNode == null ? null : source(sourceNode);
        Section kafkaNode = root.section("kafka", false);
        KafkaConfig kafka = kafka(kafkaNode, name);
        Section sinkNode = root.section("sink", false);
        // Read before sink() rejects the keys it does not know.
        Duration maxLag = sinkNode == null ? PipelineConfig.DEFAULT_MAX_LAG
                : duration(sinkNode.scalar("max-lag", false), PipelineConfig.DEFAULT_MAX_LAG);
        List<TransformConfig> sinkTransforms = sinkNode == null ? List.of()
                : transforms().read(sinkNode, "transforms", false);
        SinkConfig sink = sinkNode == null ? SinkConfig.none() : sink(sinkNode);
        HttpConfig http = http(root.section("http", false));
        List<TransformConfig> transforms = transforms().read(root, "transforms", true);
        root.rejectUnknown(List.of("name", "source", "kafka", "sink", "http", "transforms"));
        if (!yaml.errors().isEmpty() || name == null || source == null || sink == null || http == null
                || transforms == null || sinkTransforms == null) {
            return null;
        }
        return new PipelineConfig(name, source, kafka, sink, http, maxRetainedWal, maxLag, transforms,
                sinkTransforms);
    }

    private TransformsReader transforms() {
        return new TransformsReader(this::resolve, expressionSyntax);
    }

    /** The {@code http:} block: served on loopback by default; any other address needs a token. */
    private HttpConfig http(Section h) {
        HttpConfig defaults = HttpConfig.defaults();
        if (h == null) {
            return defaults;
        }
        Boolean enabled = bool(h.scalar("enabled", false), true);
        Scalar bindNode = h.scalar("bind", false);
        String bind = text(bindNode, defaults.bind());
        Scalar portNode = h.scalar("port", false);
        int port = portNode != null && "0".equals(String.valueOf(resolve(portNode)).strip()) ? 0
                : port(portNode, defaults.port());
        Secret token = secret(h.scalar("auth-token", false));
        h.rejectUnknown(List.of("enabled", "bind", "port", "auth-token"));
        if (bind != null && bind.isBlank()) {
            bindNode.error("name an address to listen on, e.g. 127.0.0.1 or 0.0.0.0");
            return null;
        }
        if (token != null && token.reveal().isBlank()) {
            h.problem("auth-token", "the token must not be empty");
            return null;
        }
        if (enabled == null || bind == null) {
            return null;
        }
        if (enabled && token == null && !HttpConfig.isLoopback(bind)) {
            bindNode.error("listening on " + bind + " needs http.auth-token (every request must then carry it)");
            return null;
        }
        return new HttpConfig(enabled, bind.strip(), port, token);
    }

    /** A size such as {@code 1073741824}, {@code 512MiB} or {@code 1 GiB}; the fallback when absent. */
    private long bytes(Scalar s, long fallback) {
        String v = text(s, null);
        if (v == null) {
            return fallback;
        }
        Matcher m = SIZE.matcher(v.strip());
        if (m.matches()) {
            long unit = switch (m.group(2).toLowerCase(Locale.ROOT)) {
                case "kib", "kb", "k" -> 1L << 10;
                case "mib", "mb", "m" -> 1L << 20;
                case "gib", "gb", "g" -> 1L << 30;
                case "tib", "tb", "t" -> 1L << 40;
                default -> 1;
            };
            try {
                return Math.multiplyExact(Long.parseLong(m.group(1)), unit);
            } catch (ArithmeticException | NumberFormatException ignored) {
                // reported below
            }
        }
        s.error("expected a size such as 1GiB, 512MiB or a number of bytes, got '" + v + "'");
        return fallback;
    }

    /** A positive duration such as {@code 5m}, {@code 90s}, {@code 1h} or {@code 500ms}; the fallback when absent. */
    private Duration duration(Scalar s, Duration fallback) {
        String v = text(s, null);
        if (v == null) {
            return fallback;
        }
        Matcher m = DURATION.matcher(v.strip());
        if (m.matches()) {
            try {
                long n = Long.parseLong(m.group(1));
                Duration d = switch (m.group(2).toLowerCase(Locale.ROOT)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m", "min" -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                };
                if (!d.isZero()) {
                    return d;
                }
            } catch (ArithmeticException | NumberFormatException ignored) {
                // reported below
            }
        }
        s.error("expected a duration above zero such as 5m, 90s, 1h or 500ms, got '" + v + "'");
        return fallback;
    }

    private SourceConfig source(Section s) {
        Connector connector = connector(s.scalar("type", true), true);
        String type = connector == null ? null : connector.type();
        String host = text(s.scalar("host", false), "localhost");
        int port = port(s.scalar("port", false), connector == null ? 0 : connector.defaultPort());
        String database = text(s.scalar("database", true), null);
        String user = text(s.scalar("user", true), null);
        Secret password = secret(s.scalar("password", false));
        List<String> tables = new ArrayList<>();
        List<Scalar> tableNodes = s.list("tables", true);
        if (tableNodes != null) {
            for (Scalar t : tableNodes) {
                String v = resolve(t);
                if (v == null || v.isBlank()) {
                    t.error("a table name must not be empty");
                } else {
                    tables.add(v.strip());
                }
            }
            if (tableNodes.isEmpty()) {
                s.problem("tables", "list at least one table or pattern");
            }
        }
        Scalar snapshotNode = s.scalar("snapshot", false);
        String snapshot = choice(snapshotNode, "initial", "initial", "never", "incremental");
        if ("incremental".equals(snapshot) && connector != null && !connector.snapshotsIncrementally()) {
            snapshotNode.error("'incremental' is not supported by " + type + " sources; " + type
                    + " snapshots with 'initial'");
            snapshot = null;
        }
        Map<String, List<String>> keyColumns = keyColumns(s.section("key-columns", false));
        Integer chunkRows = positive(s.scalar("snapshot-chunk-rows", false), SourceConfig.DEFAULT_SNAPSHOT_CHUNK_ROWS);
        Integer parallelism = positive(s.scalar("snapshot-parallelism", false),
                SourceConfig.DEFAULT_SNAPSHOT_PARALLELISM);
        s.rejectUnknown(List.of("type", "host", "port", "database", "user", "password", "tables", "snapshot",
                "key-columns", "snapshot-chunk-rows", "snapshot-parallelism"));
        if (type == null || database == null || user == null || snapshot == null || tables.isEmpty()
                || keyColumns == null || chunkRows == null || parallelism == null) {
            return null;
        }
        return new SourceConfig(type, host, port, database, user, password, tables,
                SnapshotMode.valueOf(snapshot.toUpperCase(Locale.ROOT)), keyColumns, chunkRows, parallelism);
    }

    private KafkaConfig kafka(Section k, String pipelineName) {
        String fallbackDir = "./.ferry/" + (pipelineName == null ? "pipeline" : pipelineName);
        if (k == null) {
            return new KafkaConfig(null, pipelineName, Map.of(), fallbackDir);
        }
        Scalar bootstrapNode = k.scalar("bootstrap-servers", false);
        String bootstrap = text(bootstrapNode, null);
        if (bootstrap != null && bootstrap.isBlank()) {
            bootstrap = null;
        }
        if (bootstrap != null) {
            for (String server : bootstrap.split(",")) {
                if (!BOOTSTRAP_SERVER.matcher(server.strip()).matches()) {
                    bootstrapNode.error("'" + server.strip() + "' is not host:port (a comma-separated list of"
                            + " host:port, e.g. kafka1:9092,kafka2:9092)");
                    break;
                }
            }
        }
        String prefix = text(k.scalar("topic-prefix", false), pipelineName);
        String dataDir = text(k.scalar("data-dir", false), fallbackDir);
        Map<String, String> properties = new LinkedHashMap<>();
        Section props = k.section("properties", false);
        if (props != null) {
            for (String key : List.copyOf(props.keys())) {
                Scalar v = props.scalar(key, false);
                if (v != null) {
                    properties.put(key, resolve(v));
                }
            }
            props.rejectUnknown(List.of());
        }
        TablePartitions partitions = partitions(k);
        k.rejectUnknown(List.of("bootstrap-servers", "topic-prefix", "data-dir", "properties", "partitions",
                "partitions-per-table"));
        return new KafkaConfig(bootstrap, prefix, properties, dataDir,
                partitions == null ? TablePartitions.ONE : partitions);
    }

    /** {@code kafka.partitions} and {@code kafka.partitions-per-table}; null after an error was recorded. */
    private TablePartitions partitions(Section k) {
        Integer fallback = partitionCount(k.scalar("partitions", false), 1);
        Map<String, Integer> perTable = new LinkedHashMap<>();
        boolean ok = fallback != null;
        Section perTableNode = k.section("partitions-per-table", false);
        if (perTableNode != null) {
            for (String table : List.copyOf(perTableNode.keys())) {
                Integer n = partitionCount(perTableNode.scalar(table, true), 1);
                if (n == null) {
                    ok = false;
                } else {
                    perTable.put(table, n);
                }
            }
            perTableNode.rejectUnknown(List.of());
        }
        return ok ? new TablePartitions(fallback, perTable) : null;
    }

    /** A partition count: Kafka takes more, but a table topic with more partitions than this is a typo. */
    private Integer partitionCount(Scalar s, int fallback) {
        String v = text(s, null);
        if (v == null) {
            return s == null ? fallback : null;
        }
        try {
            int n = Integer.parseInt(v.strip().replace("_", ""));
            if (n >= 1 && n <= MAX_PARTITIONS) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        s.error("expected a partition count from 1 to " + MAX_PARTITIONS + ", got '" + v + "'");
        return null;
    }

    private SinkConfig sink(Section s) {
        Scalar typeNode = s.scalar("type", true);
        if (typeNode != null && "none".equalsIgnoreCase(String.valueOf(resolve(typeNode)).strip())) {
            s.rejectUnknown(List.of("type"));
            return SinkConfig.none();
        }
        Connector connector = connector(typeNode, false);
        String type = connector == null ? null : connector.type();
        String host = text(s.scalar("host", false), "localhost");
        int port = port(s.scalar("port", false), connector == null ? 0 : connector.defaultPort());
        boolean login = connector != null && connector.sinkNeedsLogin();
        String database = text(s.scalar("database", login), null);
        String user = text(s.scalar("user", login), null);
        Secret password = secret(s.scalar("password", false));
        String schema = text(s.scalar("schema", false), "public");
        Boolean create = bool(s.scalar("create-tables", false), true);
        String onError = choice(s.scalar("on-error", false), "stop", "stop", "dead-letter");
        String policy = choice(s.scalar("schema-changes", false), "lenient", POLICIES.toArray(String[]::new));
        Map<String, SchemaChangePolicy> perTable = new LinkedHashMap<>();
        Section perTableNode = s.section("schema-changes-per-table", false);
        if (perTableNode != null) {
            for (String table : List.copyOf(perTableNode.keys())) {
                String p = choice(perTableNode.scalar(table, true), null, POLICIES.toArray(String[]::new));
                if (p != null) {
                    perTable.put(table, policy(p));
                }
            }
            perTableNode.rejectUnknown(List.of());
        }
        List<String> known = new ArrayList<>(List.of("type", "host", "port", "database", "user", "password",
                "schema", "create-tables", "on-error", "schema-changes", "schema-changes-per-table", "transforms",
                "max-lag"));
        Map<String, String> options = new LinkedHashMap<>();
        boolean optionsOk = true;
        for (SinkOption option : connector == null ? List.<SinkOption>of() : connector.sinkOptions()) {
            known.add(option.name());
            optionsOk &= option.perTable() ? perTableOption(s, option, options) : option(s, option, options);
        }
        s.rejectUnknown(known);
        if (type == null || (login && (database == null || user == null)) || create == null || onError == null
                || policy == null || !optionsOk) {
            return null;
        }
        return new SinkConfig(type, host, port, database, user, password, schema, create,
                onError.equals("stop") ? OnError.STOP : OnError.DEAD_LETTER,
                new SchemaChanges(policy(policy), perTable), options);
    }

    private boolean option(Section s, SinkOption option, Map<String, String> into) {
        Scalar node = s.scalar(option.name(), option.required());
        String v = node == null ? option.fallback() : resolve(node);
        if (node != null && v == null) {
            return false;
        }
        if (v == null) {
            return !option.required();
        }
        String problem = node == null ? null : option.problem().apply(v.strip());
        if (problem != null) {
            node.error(problem);
            return false;
        }
        into.put(option.name(), v.strip());
        return true;
    }

    private boolean perTableOption(Section s, SinkOption option, Map<String, String> into) {
        Section section = s.section(option.name(), option.required());
        if (section == null) {
            return !option.required();
        }
        boolean ok = true;
        for (String table : List.copyOf(section.keys())) {
            Scalar node = section.scalar(table, true);
            String v = node == null ? null : resolve(node);
            String problem = v == null ? null : option.problem().apply(v.strip());
            if (problem != null) {
                node.error(problem);
            }
            if (v == null || problem != null) {
                ok = false;
            } else {
                into.put(option.name() + "." + table, v.strip());
            }
        }
        section.rejectUnknown(List.of());
        return ok;
    }

    /** The connector {@code type} names, or null after reporting that none (or none of this role) does. */
    private Connector connector(Scalar typeNode, boolean source) {
        String v = typeNode == null ? null : resolve(typeNode);
        if (v == null) {
            return null;
        }
        Connector c = connectors.find(v.strip()).orElse(null);
        if (c == null || !(source ? c.capturesChanges() : c.appliesChanges())) {
            List<String> options = new ArrayList<>(connectors.names(source));
            if (!source) {
                options.add(0, "none");
            }
            typeNode.error("'" + v + "' is not supported" + (c == null ? "" : " as a " + (source ? "source" : "sink"))
                    + "; expected " + String.join(" or ", options));
            return null;
        }
        return c;
    }

    /** {@code table pattern: [col, ...]} entries; null after an error. */
    private Map<String, List<String>> keyColumns(Section section) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (section == null) {
            return out;
        }
        boolean ok = true;
        for (String table : List.copyOf(section.keys())) {
            List<Scalar> columns = section.list(table, true);
            if (columns == null || columns.isEmpty()) {
                section.problem(table, "list the columns that identify a row of " + table);
                ok = false;
                continue;
            }
            List<String> names = new ArrayList<>();
            for (Scalar c : columns) {
                String name = resolve(c);
                if (name == null || name.isBlank()) {
                    c.error("a column name must not be empty");
                    ok = false;
                } else {
                    names.add(name.strip());
                }
            }
            out.put(table, names);
        }
        section.rejectUnknown(List.of());
        return ok ? out : null;
    }

    private static SchemaChangePolicy policy(String name) {
        return SchemaChangePolicy.valueOf(name.toUpperCase(Locale.ROOT));
    }

    private String text(Scalar s, String fallback) {
        return s == null ? fallback : resolve(s);
    }

    private Secret secret(Scalar s) {
        String v = s == null ? null : resolve(s);
        return v == null ? null : new Secret(v);
    }

    private int port(Scalar s, int fallback) {
        String v = text(s, null);
        if (v == null) {
            return fallback;
        }
        try {
            int p = Integer.parseInt(v.strip());
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        s.error("expected a port number from 1 to 65535, got '" + v + "'");
        return fallback;
    }

    /** A whole number above 0, or null after an error. */
    private Integer positive(Scalar s, int fallback) {
        String v = text(s, null);
        if (v == null) {
            return s == null ? fallback : null;
        }
        try {
            int n = Integer.parseInt(v.strip().replace("_", ""));
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        s.error("expected a whole number from 1 to " + Integer.MAX_VALUE + ", got '" + v + "'");
        return null;
    }

    private Boolean bool(Scalar s, boolean fallback) {
        String v = text(s, null);
        if (v == null) {
            return fallback;
        }
        switch (v.strip().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on":
                return true;
            case "false", "no", "off":
                return false;
            default:
                s.error("expected true or false, got '" + v + "'");
                return null;
        }
    }

    /** The value when it is one of {@code allowed} (the first is the default when absent), else null. */
    private String choice(Scalar s, String fallback, String... allowed) {
        String v = text(s, null);
        if (v == null) {
            return s == null ? fallback : null;
        }
        List<String> options = allowed.length == 0 ? List.of(fallback) : List.of(allowed);
        String normalized = v.strip().toLowerCase(Locale.ROOT);
        if (options.contains(normalized)) {
            return normalized;
        }
        s.error("'" + v + "' is not supported; expected " + String.join(" or ", options));
        return null;
    }

    /** The scalar with {@code ${env:X}} and {@code ${file:/path}} replaced, or null after an error. */
    private String resolve(Scalar s) {
        String raw = s.text();
        if (raw.indexOf("${") < 0) {
            return raw;
        }
        Matcher m = PLACEHOLDER.matcher(raw);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value;
            if (m.group(1).equals("env")) {
                value = environment.apply(m.group(2));
                if (value == null) {
                    s.error("environment variable " + m.group(2) + " is not set");
                    return null;
                }
            } else {
                try {
                    value = Files.readString(Path.of(m.group(2)), StandardCharsets.UTF_8).strip();
                } catch (IOException | RuntimeException e) {
                    s.error("cannot read file " + m.group(2) + " (" + (e instanceof java.nio.file.NoSuchFileException
                            ? "no such file" : e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                            : e.getClass().getSimpleName()) + ")");
                    return null;
                }
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }
}
