package io.ferry.postgres.sink;

import io.ferry.core.Secret;
import io.ferry.core.config.SinkConfig;
import io.ferry.sink.jdbc.JdbcDialect;
import io.ferry.sink.jdbc.SinkTarget;
import java.util.List;

/** The shared embedded PostgreSQL as the target of the JDBC sink contract suites. */
final class PostgresTarget implements SinkTarget {

    @Override
    public JdbcDialect dialect() {
        return new PostgresDialect();
    }

    @Override
    public String freshNamespace() {
        return TargetDb.freshSchema();
    }

    @Override
    public SinkConfig config(String namespace) {
        return TargetDb.config(namespace);
    }

    @Override
    public SinkConfig wrongPassword() {
        return new SinkConfig("postgres", TargetDb.PG.host(), TargetDb.PG.port(), "ferry", "ferry",
                new Secret("not-the-password"), "public", true, SinkConfig.OnError.STOP);
    }

    @Override
    public List<List<Object>> query(String namespace, String sql) {
        return TargetDb.query(sql);
    }

    @Override
    public void execute(String namespace, String sql) {
        TargetDb.PG.execute(sql);
    }

    @Override
    public void killSinkSessions(String namespace) {
        TargetDb.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'ferry-sink'"
                + " AND pid <> pg_backend_pid()");
    }

    @Override
    public String asText(String expression) {
        return "CAST(" + expression + " AS text)";
    }
}
