package io.ferry.cli;

import io.ferry.core.config.PipelineConfig;
import io.ferry.core.config.PipelineConfigParser;
import io.ferry.ops.PipelineApi;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ferry snapshot FILE --tables a,b}: asks the running {@code ferry run} of the pipeline, through its API, to
 * copy the named tables while streaming of the others goes on. Exit 0 when queued, 2 when a table cannot be copied,
 * 1 when no {@code ferry run} of the pipeline answers.
 */
@Command(name = "snapshot", description = "Copy named tables again (or a table just added to source.tables) while"
        + " the running pipeline streams the others.")
final class SnapshotCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", description = "The pipeline file (YAML).")
    Path file;

    @Option(names = "--tables", required = true, split = ",", paramLabel = "TABLE",
            description = "Tables to copy, comma-separated, named as in source.tables (schema.table).")
    List<String> tables;

    @Override
    public Integer call() {
        PipelineConfig config = new PipelineConfigParser().parse(file);
        PipelineApi api = new PipelineApi(config);
        if (!api.enabled()) {
            System.err.println("ferry: pipeline " + config.name() + " serves no API (http.enabled is false or"
                    + " http.port is 0), which ferry snapshot asks; enable it and restart ferry run");
            return Ferry.EXIT_FAILED;
        }
        Optional<PipelineApi.Answer> answer = api.requestSnapshot(tables);
        if (answer.isEmpty()) {
            System.err.println("ferry: pipeline " + config.name() + " is not running (no ferry run of it answers at "
                    + api.base() + "); start it with ferry run, then ask again");
            return Ferry.EXIT_FAILED;
        }
        PipelineApi.Answer a = answer.get();
        if (a.code() == 202) {
            List<String> queued = new ArrayList<>();
            a.body().path("queued").forEach(t -> queued.add(t.asText()));
            System.out.println("[" + config.name() + "] copying " + String.join(", ", queued)
                    + " while streaming goes on; ferry status shows the progress");
            return 0;
        }
        System.err.println("ferry: " + a.message());
        return a.code() == 400 ? Ferry.EXIT_CONFIG : Ferry.EXIT_FAILED;
    }
}
