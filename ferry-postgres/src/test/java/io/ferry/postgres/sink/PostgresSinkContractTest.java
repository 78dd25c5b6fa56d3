package io.ferry.postgres.sink;

import io.ferry.sink.jdbc.JdbcSinkContract;
import io.ferry.sink.jdbc.SinkTarget;

class PostgresSinkContractTest extends JdbcSinkContract {

    private static final SinkTarget TARGET = new PostgresTarget();

    @Override
    protected SinkTarget target() {
        return TARGET;
    }
}
