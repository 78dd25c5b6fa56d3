package io.ferry.mysql.sink;

import io.ferry.mysql.MySqlTestServer.Flavor;
import io.ferry.sink.jdbc.SinkTarget;
import io.ferry.sink.jdbc.TargetBookkeepingContract;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

@ParameterizedClass
@EnumSource(Flavor.class)
class MySqlTargetBookkeepingTest extends TargetBookkeepingContract {

    private final SinkTarget target;

    MySqlTargetBookkeepingTest(Flavor flavor) {
        target = new MySqlTarget(flavor);
    }

    @Override
    protected SinkTarget target() {
        return target;
    }
}
