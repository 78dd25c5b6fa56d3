package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.postgres.PostgresTestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;
import java.util.regex.Matcher;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each broken pipeline makes the real {@code ferry run} exit with code 2 and one line that says what is
 * wrong, without a stack trace, before anything is captured.
 */
class BadConfigurationIT {

    private static PostgresTestServer pg;
    private static PostgresTestServer replicaLevel;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresTestServer.shared();
        pg.execute("CREATE TABLE IF NOT EXISTS present (id int PRIMARY KEY)",
                "CREATE TABLE IF NOT EXISTS keyless (a int, b text)");
        try (Connection c = pg.admin(PostgresTestServer.DATABASE); Statement s = c.createStatement()) {
            s.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'noreplication') THEN "
                    + "CREATE ROLE noreplication LOGIN PASSWORD 'pw'; END IF; END $$");
            s.execute("GRANT SELECT ON present TO noreplication");
        }
        pg.requirePassword("noreplication");
        replicaLevel = PostgresTestServer.start(Map.of("wal_level", "replica"));
    }

    @AfterAll
    static void stop() {
        replicaLevel.close();
    }

    static Stream<Arguments> brokenPipelines() {
        return Stream.of(
                Arguments.of("missing key", "-database", "source: missing required key 'database'"),
                Arguments.of("wrong type", "port: not-a-port", "source.port: expected a port number"),
                Arguments.of("unknown key", "extra: 1", "unknown key"),
                Arguments.of("broken yaml", "tables: [unclosed", "not valid YAML"),
                Arguments.of("unset variable", "password: ${env:FERRY_TEST_SURELY_UNSET}",
                        "environment variable FERRY_TEST_SURELY_UNSET is not set"),
                Arguments.of("unsupported source", "type: oracle", "'oracle' is not supported"),
                Arguments.of("unreachable host", "port: " + PostgresTestServer.freePort(), "127.0.0.1:"),
                Arguments.of("wrong password", "password: wrong", "password"),
                Arguments.of("unknown database", "database: nosuchdb", "nosuchdb"),
                Arguments.of("unknown table", "tables: [public.nosuchtable]", "nosuchtable"),
                Arguments.of("keyless table", "tables: [public.keyless]", "has no primary key"),
                Arguments.of("no replication privilege", "user: noreplication\npassword: pw", "REPLICATION"),
                Arguments.of("wal_level not logical", "port: " + replicaLevel.port(), "wal_level"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenPipelines")
    void exitsWithCode2AndOneClearLine(String problem, String change, String expected) throws Exception {
        Path file = Files.writeString(dir.resolve("bad.yaml"), pipeline(change));

        FerryProcess.Result result = FerryProcess.run(dir, "run", file.toString(), "--startup-timeout", "PT0S");

        assertThat(result.exitCode()).as(result.output()).isEqualTo(2);
        String[] lines = result.output().strip().split("\n");
        assertThat(lines).as(result.output()).hasSize(1);
        assertThat(lines[0]).startsWith("ferry: ").contains(expected)
                .doesNotContain("Exception").doesNotContain("ferry-secret");
    }

    /** A valid pipeline with lines replaced (by key), removed ({@code -key}), or added at the top level. */
    private static String pipeline(String change) {
        String valid = "name: bad\n"
                + "source:\n"
                + "  type: postgres\n"
                + "  host: " + PostgresTestServer.HOST + "\n"
                + "  port: " + pg.port() + "\n"
                + "  database: " + PostgresTestServer.DATABASE + "\n"
                + "  user: " + PostgresTestServer.USER + "\n"
                + "  password: " + PostgresTestServer.PASSWORD + "\n"
                + "  tables: [public.present]\n"
                + "kafka:\n"
                + "  bootstrap-servers: 127.0.0.1:1\n";
        if (change.startsWith("-")) {
            return valid.replaceFirst("(?m)^  " + change.substring(1) + ": .*\n", "");
        }
        String result = valid;
        for (String line : change.split("\n")) {
            String key = line.substring(0, line.indexOf(':'));
            String replaced = result.replaceFirst("(?m)^  " + key + ": .*$", "  " + Matcher.quoteReplacement(line));
            result = replaced.equals(result) ? result + line + "\n" : replaced;
        }
        return result;
    }
}
