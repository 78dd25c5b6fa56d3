package io.ferry.postgres.sink;

import io.ferry.sink.jdbc.SchemaChangeContract;
import io.ferry.sink.jdbc.SinkTarget;

class PostgresSchemaChangeTest extends SchemaChangeContract {

    private static final SinkTarget TARGET = new PostgresTarget();

    @Override
    protected SinkTarget target() {
        return TARGET;
    }
}
