package io.ferry.cli;

import io.ferry.core.FerryException;
import io.ferry.core.config.PipelineConfig;
import io.ferry.core.config.PipelineConfigParser;
import io.ferry.kafka.EmbeddedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry verify FILE}: source and target compared table by table; exit 0 on match, 1 on difference. */
@Command(name = "verify", description = "Compare every captured table between source and target.")
final class VerifyCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", description = "The pipeline file (YAML).")
    Path file;

    @Option(names = "--no-wait", description = "Compare now, without waiting for the pipeline to catch up.")
    boolean noWait;

    @Option(names = "--timeout", defaultValue = "PT5M", description = "How long to wait for the pipeline to catch up (default PT5M).")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        PipelineConfig config = new PipelineConfigParser().parse(file);
        String bootstrap = config.kafka().bootstrapServers();
        if (config.kafka().embedded()) {
            bootstrap = EmbeddedKafka.bootstrapServersOf(Path.of(config.kafka().dataDir())).orElseThrow(
                    () -> new FerryException("no embedded Kafka broker has run under " + config.kafka().dataDir()
                            + "; start the pipeline with `ferry run` first"));
        }
        return new Verification(config, bootstrap, System.out).run(!noWait, timeout) ? 0 : 1;
    }
}
