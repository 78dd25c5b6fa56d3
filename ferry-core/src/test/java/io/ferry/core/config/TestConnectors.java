package io.ferry.core.config;

import io.ferry.core.connector.Connector;
import io.ferry.core.connector.Connectors;
import java.util.List;

/** Two database kinds as the parser sees them, without their modules on the class path. */
final class TestConnectors {

    static final Connectors BOTH = Connectors.of(kind("postgres", 5432), kind("mysql", 3306, "mariadb"));

    /** BOTH and a capturing kind that snapshots only from one consistent snapshot, not incrementally. */
    static final Connectors WITH_PLAIN_CAPTURE = Connectors.of(kind("postgres", 5432), kind("mysql", 3306, "mariadb"),
            plainCapture());

    /** BOTH and a sink kind with its own keys and no login, as a lake sink is. */
    static final Connectors WITH_LAKE = Connectors.of(kind("postgres", 5432), kind("mysql", 3306, "mariadb"),
            lake());

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

            public boolean snapshotsIncrementally() {
                return true;
            }
        };
    }

    private static Connector plainCapture() {
        return new Connector() {
            public String type() {
                return "plainlog";
            }

            public int defaultPort() {
                return 4000;
            }

            public boolean capturesChanges() {
                return true;
            }
        };
    }

    private static Connector lake() {
        return new Connector() {
            public String type() {
                return "lake";
            }

            public int defaultPort() {
                return 0;
            }

            public boolean appliesChanges() {
                return true;
            }

            public boolean sinkNeedsLogin() {
                return false;
            }

            public List<SinkOption> sinkOptions() {
                return List.of(SinkOption.of("warehouse", null).requiredKey(),
                        SinkOption.of("commit-interval", "10s")
                                .checkedBy(v -> v.matches("\\d+s") ? null : "expected seconds such as 10s, got '" + v + "'"),
                        SinkOption.of("partition-by", null).byTable());
            }
        };
    }
}
