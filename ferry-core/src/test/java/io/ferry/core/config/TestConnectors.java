package io.ferry.core.config;

import io.ferry.core.connector.Connector;
import io.ferry.core.connector.Connectors;
import java.util.List;

/** Two database kinds as the parser sees them, without their modules on the class path. */
final class TestConnectors {

    static final Connectors BOTH = Connectors.of(kind("postgres", 5432), kind("mysql", 3306, "mariadb"));

    private TestConnectors() {
    }

    private static Connector kind(String type, int port, String... aliases) {
        return new Connector() {
            public String type() {
                return type;
            }

            public List<String> aliases() {
                return List.of(aliases);
            }

            public int defaultPort() {
                return port;
            }

            public boolean capturesChanges() {
                return true;
            }

            public boolean appliesChanges() {
                return true;
            }
        };
    }
}
