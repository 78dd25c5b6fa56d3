package io.ferry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.ferry.core.config.PipelineConfig;
import io.ferry.core.config.PipelineConfigParser;
import io.ferry.ops.PipelineStatus;
import io.ferry.ops.StatusText;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ferry status FILE}: the pipeline's state, snapshot progress and replication health, from its running
 * {@code ferry run} or, when none runs, from its durable state. Exit 0, or 1 when an alert condition holds.
 */
@Command(name = "status", description = "Show a pipeline's state, snapshot progress and replication health.")
final class StatusCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", description = "The pipeline file (YAML).")
    Path file;

    @Option(names = "--json", description = "Print the status document as JSON (the API's shape).")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PipelineConfig config = new PipelineConfigParser().parse(file);
        JsonNode status = PipelineStatus.read(config);
        System.out.print(json ? status.toPrettyString() + System.lineSeparator() : StatusText.render(status));
        return status.path("conditions").isEmpty() ? 0 : 1;
    }
}
