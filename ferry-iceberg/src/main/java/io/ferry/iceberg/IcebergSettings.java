package io.ferry.iceberg;

import io.ferry.core.FerryException;
import io.ferry.core.TableId;
import io.ferry.core.TableSelector;
import io.ferry.core.config.SinkConfig;
import io.ferry.core.config.SinkOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Iceberg sink's own keys under {@code sink:}, declared for the parser ({@link #OPTIONS}) and read back from a
 * {@link SinkConfig}. Immutable.
 */
record IcebergSettings(String warehouse, String catalog, String catalogUri, String namespace, Duration commitInterval,
                       long commitRows, int compactAfterFiles, Duration expireSnapshotsOlderThan, int snapshotsToKeep,
                       Duration orphanFilesOlderThan, Map<String, String> options) {

    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    static final List<SinkOption> OPTIONS = List.of(
            SinkOption.of("warehouse", null).requiredKey().checkedBy(IcebergSettings::warehouseProblem),
            SinkOption.of("catalog", "hadoop").checkedBy(v -> v.equals("hadoop") || v.equals("rest") ? null
                    : "expected hadoop or rest"),
            SinkOption.of("catalog-uri", null).checkedBy(v -> v.startsWith("http://") || v.startsWith("https://")
                    ? null : "expected an http:// or https:// URL of a REST catalog"),
            SinkOption.of("namespace", null),
            SinkOption.of("commit-interval", "10s").checkedBy(v -> durationProblem(v, true)),
            SinkOption.of("commit-rows", "100000").checkedBy(v -> countProblem(v, 1)),
            SinkOption.of("partition-by", null).byTable().checkedBy(PartitionSpecs::problem),
            SinkOption.of("compact-after-files", "64").checkedBy(v -> countProblem(v, 0)),
            SinkOption.of("expire-snapshots-older-than", "1h").checkedBy(v -> durationProblem(v, false)),
            SinkOption.of("snapshots-to-keep", "10").checkedBy(v -> countProblem(v, 1)),
            SinkOption.of("orphan-files-older-than", "1d").checkedBy(v -> durationProblem(v, false)));

    static IcebergSettings of(SinkConfig config) {
        String warehouse = config.option("warehouse");
        if (warehouse == null) {
            throw new FerryException("sink.warehouse is required for an iceberg sink (hdfs://..., file://... or a path)");
        }
        String catalog = or(config.option("catalog"), "hadoop");
        String uri = config.option("catalog-uri");
        if (catalog.equals("rest") && uri == null) {
            throw new FerryException("sink.catalog rest needs sink.catalog-uri, the REST catalog's URL");
        }
        String namespace = config.option("namespace") != null ? config.option("namespace")
                : config.schema() != null ? config.schema() : "ferry";
        return new IcebergSettings(location(warehouse), catalog, uri, namespace,
                duration(or(config.option("commit-interval"), "10s")),
                Long.parseLong(or(config.option("commit-rows"), "100000")),
                Integer.parseInt(or(config.option("compact-after-files"), "64")),
                duration(or(config.option("expire-snapshots-older-than"), "1h")),
                Integer.parseInt(or(config.option("snapshots-to-keep"), "10")),
                duration(or(config.option("orphan-files-older-than"), "1d")), config.options());
    }

    /** The {@code partition-by} value of the first pattern matching {@code table}, or null: unpartitioned. */
    String partitionBy(TableId table) {
        for (Map.Entry<String, String> e : options.entrySet()) {
            if (e.getKey().startsWith("partition-by.")) {
                String pattern = e.getKey().substring("partition-by.".length());
                if (TableSelector.parse(pattern, table.schema()).matches(table)) {
                    return e.getValue();
                }
            }
        }
        return null;
    }

    /** A plain path is a local directory: {@code file:} plus its absolute form. */
    static String location(String warehouse) {
        if (warehouse.contains("://") || warehouse.startsWith("file:")) {
            return warehouse;
        }
        return java.nio.file.Path.of(warehouse).toAbsolutePath().toUri().toString();
    }

    static Duration duration(String v) {
        Matcher m = DURATION.matcher(v.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new FerryException("'" + v + "' is not a duration such as 500ms, 10s, 5m, 1h or 1d");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    private static String warehouseProblem(String v) {
        if (v.isBlank()) {
            return "expected hdfs://namenode:port/path, file:///path or a local path";
        }
        int scheme = v.indexOf("://");
        if (scheme > 0) {
            String s = v.substring(0, scheme);
            if (!List.of("hdfs", "file", "viewfs", "webhdfs", "s3a", "s3", "abfs", "gs").contains(s)) {
                return "unknown file system '" + s + "'; expected hdfs://, file:// or a local path";
            }
        }
        return null;
    }

    private static String durationProblem(String v, boolean positive) {
        Matcher m = DURATION.matcher(v.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            return "expected a duration such as 500ms, 10s, 5m, 1h or 1d";
        }
        return positive && Long.parseLong(m.group(1)) == 0 ? "must be more than 0" : null;
    }

    private static String countProblem(String v, long min) {
        try {
            return Long.parseLong(v) >= min ? null : "must be at least " + min;
        } catch (NumberFormatException e) {
            return "expected a whole number";
        }
    }

    private static String or(String v, String fallback) {
        return v == null ? fallback : v;
    }
}
