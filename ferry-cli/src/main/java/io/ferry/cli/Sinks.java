package io.ferry.cli;

import io.ferry.core.FerryException;
import io.ferry.core.Sink;
import io.ferry.core.config.SinkConfig;
import io.ferry.mysql.sink.MySqlSink;
import io.ferry.postgres.sink.PostgresSink;

/** The sink for a pipeline's {@code sink.type}. */
final class Sinks {

    private Sinks() {
    }

    static Sink open(SinkConfig config) {
        return switch (config.type()) {
            case "postgres" -> new PostgresSink(config);
            case "mysql", "mariadb" -> new MySqlSink(config);
            default -> throw new FerryException("sink.type: '" + config.type() + "' is not supported");
        };
    }
}
