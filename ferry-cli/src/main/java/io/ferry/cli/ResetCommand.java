package io.ferry.cli;

import io.ferry.core.config.PipelineConfigParser;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ferry reset FILE}: what {@code drop} removes, and the rows of the target's copies of the pipeline's tables,
 * so that the next {@code ferry run} takes a new snapshot into empty tables (rows deleted at the source meanwhile do
 * not linger; a table without a key does not get its rows twice).
 */
@Command(name = "reset", description = "Make the next run take a new snapshot: remove what `drop` removes and empty"
        + " the target's copies of the pipeline's tables (their definitions stay).")
final class ResetCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", description = "The pipeline file (YAML).")
    Path file;

    @Option(names = "--yes", description = "Do not ask for confirmation.")
    boolean yes;

    @Override
    public Integer call() throws Exception {
        return new PipelineTeardown(new PipelineConfigParser().parse(file), System.out,
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))).run("reset", true, yes);
    }
}
