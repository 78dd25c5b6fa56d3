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
 * {@code ferry drop FILE}: removes everything a stopped pipeline keeps (slot, publication, topics, consumer group,
 * target bookkeeping rows); the target tables and their rows stay.
 */
@Command(name = "drop", description = "Remove everything a stopped pipeline keeps: replication slot, publication,"
        + " topics, consumer group, and its rows in the target's ferry_offsets and ferry_schemas.")
final class DropCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", description = "The pipeline file (YAML).")
    Path file;

    @Option(names = "--yes", description = "Do not ask for confirmation.")
    boolean yes;

    @Override
    public Integer call() throws Exception {
        return new PipelineTeardown(new PipelineConfigParser().parse(file), System.out,
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))).run("drop", false, yes);
    }
}
