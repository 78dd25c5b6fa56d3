package io.ferry.postgres.sink;

import io.ferry.sink.jdbc.SinkTarget;
import io.ferry.sink.jdbc.TargetBookkeepingContract;

class PostgresTargetBookkeepingTest extends TargetBookkeepingContract {

    private static final SinkTarget TARGET = new PostgresTarget();

    @Override
    protected SinkTarget target() {
        return TARGET;
    }
}
