package io.ferry.postgres.sink;

import io.ferry.sink.jdbc.NewRowsContract;
import io.ferry.sink.jdbc.SinkTarget;

class PostgresNewRowsTest extends NewRowsContract {

    private static final SinkTarget TARGET = new PostgresTarget();

    @Override
    protected SinkTarget target() {
        return TARGET;
    }
}
