package io.ferry.iceberg;

import static io.ferry.core.apply.Events.update;
import static io.ferry.iceberg.IcebergTarget.onTopic;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Sink.OffsetUpdate;
import io.ferry.core.schema.SchemaChanges;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A DataNode of three dies while the sink writes and commits: every committed row stays readable, none is lost. */
class DataNodeLossTest {

    @TempDir
    Path dir;

    @Test
    void losingOneOfThreeDataNodesMidRunLosesNothing() {
        try (Hdfs hdfs = new Hdfs(dir, 3)) {
            IcebergTarget target = new IcebergTarget(hdfs.uri("/lake"));
            long offset = 0;
            try (IcebergSink sink = new IcebergSink(target.config("dn", SchemaChanges.DEFAULT,
                    Map.of("commit-rows", "200")))) {
                for (int batch = 0; batch < 20; batch++) {
                    if (batch == 8) {
                        hdfs.cluster().stopDataNode(0);
                    }
                    List<ChangeEvent> events = new ArrayList<>();
                    for (int i = 0; i < 100; i++) {
                        long id = batch * 100L + i;
                        events.add(onTopic(update(IcebergSinkContract.ITEMS, id, "row " + id, "x"), "t", 0, offset + i));
                    }
                    sink.apply(events, List.of(new OffsetUpdate("t", 0, batch == 0 ? -1 : offset, offset + 100)));
                    offset += 100;
                }
            }
            assertThat(target.rows("dn", "items")).hasSize(2000);
            try (IcebergSink reopened = new IcebergSink(target.config("dn", SchemaChanges.DEFAULT, Map.of()))) {
                assertThat(reopened.storedOffsets("t")).isEqualTo(Map.of(0, 2000L));
            }
        }
    }
}
