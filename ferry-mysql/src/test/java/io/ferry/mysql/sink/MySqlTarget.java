package io.ferry.mysql.sink;

import io.ferry.core.Secret;
import io.ferry.core.config.SinkConfig;
import io.ferry.mysql.MySqlTestServer;
import io.ferry.mysql.MySqlTestServer.Flavor;
import io.ferry.sink.jdbc.JdbcDialect;
import io.ferry.sink.jdbc.SinkTarget;
import java.time.Duration;
import java.util.List;

/** The shared MariaDB or MySQL 8 server as the target of the JDBC sink contract suites. */
final class MySqlTarget implements SinkTarget {

    private final TargetDb db;

    MySqlTarget(Flavor flavor) {
        this.db = new TargetDb(flavor);
    }

    @Override
    public JdbcDialect dialect() {
        return new MySqlDialect();
    }

    @Override
    public String freshNamespace() {
        return db.freshDatabase();
    }

    @Override
    public SinkConfig config(String namespace) {
        return db.config(namespace);
    }

    @Override
    public SinkConfig wrongPassword() {
        return new SinkConfig("mysql", db.server.host(), db.server.port(), MySqlTestServer.DATABASE,
                MySqlTestServer.USER, new Secret("not-the-password"), null, true, SinkConfig.OnError.STOP);
    }

    @Override
    public List<List<Object>> query(String namespace, String sql) {
        return db.query(namespace, sql);
    }

    @Override
    public void execute(String namespace, String sql) {
        db.execute(namespace, sql);
    }

    @Override
    public void killSinkSessions(String namespace) {
        for (List<Object> p : db.query(namespace, "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '"
                + namespace + "' AND ID <> CONNECTION_ID()")) {
            db.execute(namespace, "KILL CONNECTION " + p.get(0));
        }
    }

    /** MySQL 8's time ends at 838:59:59 whatever the fraction; MariaDB's at 838:59:59.999999. */
    @Override
    public Duration longestDuration() {
        return db.flavor() == Flavor.MYSQL ? Duration.ofHours(838).plusMinutes(59).plusSeconds(59)
                : SinkTarget.super.longestDuration();
    }

    @Override
    public String asText(String expression) {
        return "CAST(" + expression + " AS CHAR)";
    }
}
