package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.cli.PipelineRunner;
import io.ferry.core.config.PipelineConfigParser;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After a synced run, one target row is edited, one deleted and one added behind Ferry's back, in different
 * checksum chunks and without changing the row count: the real {@code ferry verify} exits 1 and names each
 * key with its source and target rows; once the target is repaired it exits 0.
 */
class VerifyFindsTamperedRowIT {

    private static final int ROWS = 25_000;

    private static TestServers servers;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        servers = TestServers.start();
    }

    @AfterAll
    static void stop() {
        servers.close();
    }

    @Test
    void verifyNamesEveryTamperedKeyAndPassesOnceRepaired() throws Exception {
        String source = servers.createDatabase("tamper_source");
        String target = servers.createDatabase("tamper_target");
        // A composite key with a text part: chunk ranges must mean the same rows on both sides.
        servers.execute(source,
                "CREATE TABLE accounts (region text, id int, balance numeric(12,2), owner text,"
                        + " PRIMARY KEY (region, id))",
                "INSERT INTO accounts SELECT (ARRAY['EU', 'us', 'Ärea', 'ap'])[g % 4 + 1], g, g * 1.25, 'owner ' || g"
                        + " FROM generate_series(1, " + ROWS + ") g");
        Path pipeline = servers.pipeline(dir, "tamper", source, "[public.accounts]", servers.sinkYaml(target));

        try (PipelineRunner runner = new PipelineRunner(new PipelineConfigParser().parse(pipeline),
                Duration.ofSeconds(30))) {
            runner.start();
            servers.execute(source, "UPDATE accounts SET owner = 'streamed' WHERE id % 1000 = 0");
            FerryProcess.Result synced = FerryInProcess.run("verify", pipeline.toString(), "--timeout", "PT90S");
            assertThat(synced.exitCode()).as(synced.output()).isZero();
            assertThat(synced.output()).contains("public.accounts: match (25,000 rows, 3 chunks)");

            servers.execute(target,
                    "UPDATE accounts SET balance = 999.99 WHERE region = 'EU' AND id = 8",
                    "DELETE FROM accounts WHERE region = 'us' AND id = 20001",
                    "INSERT INTO accounts VALUES ('zz', 1, 1.00, 'intruder')");
            FerryProcess.Result tampered = FerryInProcess.run("verify", pipeline.toString(), "--timeout", "PT90S");
            System.out.println(tampered.output());
            assertThat(tampered.exitCode()).as(tampered.output()).isEqualTo(1);
            assertThat(tampered.output())
                    .contains("public.accounts: DIFFERENT (source 25,000 rows, target 25,000 rows")
                    .contains("key (EU, 8): source (EU,8,10.00,\"owner 8\"), target (EU,8,999.99,\"owner 8\")")
                    .contains("key (us, 20001): source (us,20001,25001.25,\"owner 20001\"), target (missing)")
                    .contains("key (zz, 1): source (missing), target (zz,1,1.00,intruder)");

            servers.execute(target,
                    "UPDATE accounts SET balance = 10.00 WHERE region = 'EU' AND id = 8",
                    "INSERT INTO accounts VALUES ('us', 20001, 25001.25, 'owner 20001')",
                    "DELETE FROM accounts WHERE region = 'zz'");
            FerryProcess.Result repaired = FerryInProcess.run("verify", pipeline.toString(), "--timeout", "PT90S");
            assertThat(repaired.exitCode()).as(repaired.output()).isZero();
            assertThat(repaired.output()).contains("public.accounts: match (25,000 rows, 3 chunks)");
            assertThat(runner.failureMessage()).isNull();
        }
    }
}
