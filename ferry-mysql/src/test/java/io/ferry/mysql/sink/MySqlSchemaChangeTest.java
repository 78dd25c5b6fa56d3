package io.ferry.mysql.sink;

import io.ferry.mysql.MySqlTestServer.Flavor;
import io.ferry.sink.jdbc.SchemaChangeContract;
import io.ferry.sink.jdbc.SinkTarget;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

@ParameterizedClass
@EnumSource(Flavor.class)
class MySqlSchemaChangeTest extends SchemaChangeContract {

    private final SinkTarget target;

    MySqlSchemaChangeTest(Flavor flavor) {
        target = new MySqlTarget(flavor);
    }

    @Override
    protected SinkTarget target() {
        return target;
    }
}
