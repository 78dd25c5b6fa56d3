package io.ferry.kafka;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.utils.Time;

/**
 * One node of a test Kafka cluster in a JVM of its own, so a test can kill it as a process
 * ({@link KafkaProcessCluster}): {@code KafkaNodeMain <server.properties> <cluster id>} formats the node's storage the
 * first time, starts it, prints {@value #READY} and serves until it is killed or its stdin closes.
 */
public final class KafkaNodeMain {

    static final String READY = "kafka node ready";

    private KafkaNodeMain() {
    }

    public static void main(String[] args) throws Exception {
        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
            props.load(in);
        }
        if (!Files.exists(Path.of(props.getProperty("log.dirs")).resolve("meta.properties"))) {
            int rc = StorageTool.execute(new String[] {"format", "-t", args[1], "-c", args[0]}, System.out);
            if (rc != 0) {
                System.exit(rc);
            }
        }
        new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM).startup();
        System.out.println(READY);
        System.out.flush();
        // The test JVM holds the other end of stdin: when it ends, killed or not, so does this node.
        while (System.in.read() >= 0) {
            // nothing is sent; reading only notices the end
        }
        Runtime.getRuntime().halt(0);
    }
}
