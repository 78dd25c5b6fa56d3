package io.ferry.it;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.joran.spi.JoranException;
import io.ferry.cli.Ferry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import org.slf4j.LoggerFactory;

/**
 * The {@code ferry} command run in the test's JVM with the command's own logging configuration (its
 * {@code logback.xml}, not the tests'), its stdout and stderr (log lines included) captured together: for checks of
 * what a command prints and returns that would otherwise spend most of their time starting JVMs. One at a time; the
 * tests' logging comes back afterwards.
 */
final class FerryInProcess {

    private static final String[] SERVERS = {"kafka", "state.change.logger", "org.apache.kafka.controller",
        "org.apache.kafka.server", "org.apache.kafka.raft", "org.apache.kafka.metadata", "org.apache.kafka.image",
        "org.apache.kafka.queue", "org.apache.kafka.storage", "org.apache.kafka.coordinator", "org.apache.kafka.security"};

    private FerryInProcess() {
    }

    static FerryProcess.Result run(String... args) {
        return runWithInput("", args);
    }

    /** Runs it with {@code input} as its stdin (answers to its questions). */
    static synchronized FerryProcess.Result runWithInput(String input, String... args) {
        java.io.InputStream in = System.in;
        System.setIn(new java.io.ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream both = new PrintStream(captured, true, StandardCharsets.UTF_8);
        LoggerContext logging = (LoggerContext) LoggerFactory.getILoggerFactory();
        System.setOut(both);
        System.setErr(both);
        int code;
        try {
            configure(logging, Ferry.class.getResource("/logback.xml"));
            // The brokers the tests run in this JVM are not the command's: what they log is not its output.
            for (String server : SERVERS) {
                logging.getLogger(server).setLevel(Level.OFF);
            }
            code = Ferry.execute(args);
        } finally {
            System.setIn(in);
            System.setOut(out);
            System.setErr(err);
            logging.reset();
            try {
                new ContextInitializer(logging).autoConfig();
            } catch (JoranException e) {
                throw new IllegalStateException(e);
            }
        }
        return new FerryProcess.Result(code, captured.toString(StandardCharsets.UTF_8), "");
    }

    private static void configure(LoggerContext logging, URL config) {
        logging.reset();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(logging);
        try {
            configurator.doConfigure(config);
        } catch (JoranException e) {
            throw new IllegalStateException("cannot read " + config, e);
        }
    }
}
