package io.ferry.cli;

import io.ferry.core.ChangeHandler;
import io.ferry.core.Sink;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.config.PipelineConfig;
import io.ferry.core.connector.Connector;
import io.ferry.core.connector.SourceTables;
import io.ferry.transform.TransformingHandler;
import io.ferry.transform.TransformingSink;
import io.ferry.transform.Transforms;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Where the pipeline's transforms join the runner: checked at start, then around the publisher and the sink. */
final class TransformStage {

    private TransformStage() {
    }

    /**
     * Compiles every transform against the tables the source captures now, so an unknown column or a type error
     * stops {@code ferry run} before anything runs (a {@link io.ferry.core.config.ConfigException}: exit 2).
     */
    static void check(PipelineConfig config, Connector source) {
        if (config.transforms().isEmpty() && config.sinkTransforms().isEmpty()) {
            return;
        }
        try (SourceTables tables = source.sourceTables(config)) {
            List<TableSchema> captured = tables.tables();
            Transforms capture = Transforms.capture(config);
            capture.validate(captured);
            Map<TableId, TableSchema> published = new LinkedHashMap<>();
            for (TableSchema t : captured) {
                TableSchema out = capture.output(t);
                published.putIfAbsent(out.table(), out);
            }
            Transforms.apply(config).validate(List.copyOf(published.values()));
        }
    }

    static ChangeHandler capture(PipelineConfig config, ChangeHandler publisher) {
        return config.transforms().isEmpty() ? publisher
                : new TransformingHandler(publisher, Transforms.capture(config));
    }

    static Sink apply(PipelineConfig config, Sink sink) {
        return config.sinkTransforms().isEmpty() ? sink : new TransformingSink(sink, Transforms.apply(config));
    }
}
