package io.ferry.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Operation;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import io.ferry.core.verify.RowSource;
import io.ferry.mysql.MySqlTestServer.Flavor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A {@code time} column holds a signed duration up to 838 hours: every value of its range arrives as the exact
 * {@link Duration} from the snapshot, from the binlog, and from verify's row reader.
 */
@ParameterizedClass
@EnumSource(Flavor.class)
class TimeExtremesTest {

    private final MySqlTestServer db;

    TimeExtremesTest(Flavor flavor) {
        db = MySqlTestServer.shared(flavor);
    }

    /** MariaDB's range ends at .999999; MySQL's at .000000. */
    private String max() {
        return db.flavor() == Flavor.MARIADB ? "838:59:59.999999" : "838:59:59";
    }

    private List<String> literals() {
        return List.of(max(), "-838:59:59", "-12:00:00", "-00:00:00.000001", "24:00:00", "100:00:00.5", "00:00:00");
    }

    private List<Duration> expected() {
        Duration top = Duration.ofHours(838).plusMinutes(59).plusSeconds(59);
        return Arrays.asList(db.flavor() == Flavor.MARIADB ? top.plusNanos(999_999_000) : top,
                Duration.ofHours(838).plusMinutes(59).plusSeconds(59).negated(), Duration.ofHours(-12),
                Duration.ofNanos(-1000), Duration.ofHours(24), Duration.ofHours(100).plusMillis(500), Duration.ZERO,
                null);
    }

    private String rows(int firstId) {
        List<String> values = new ArrayList<>();
        List<String> literals = literals();
        for (int i = 0; i < literals.size(); i++) {
            values.add("(" + (firstId + i) + ", '" + literals.get(i) + "')");
        }
        values.add("(" + (firstId + literals.size()) + ", NULL)");
        return String.join(", ", values);
    }

    @Test
    void durationsOverTheWholeRangeArriveExactFromSnapshotBinlogAndVerify() throws Exception {
        db.execute("CREATE TABLE time_ext (id int PRIMARY KEY, t time(6))", "INSERT INTO time_ext VALUES " + rows(1));
        MySqlSource source = new MySqlSource(db.sourceConfig(List.of("time_ext"), SnapshotMode.INITIAL), 131);
        try (Capture c = Capture.start(source, Map.of(), true)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> c.handler.changes.size() == 8 || c.failure() != null);
            db.execute("INSERT INTO time_ext VALUES " + rows(11));
            await().atMost(Duration.ofSeconds(30)).until(() -> c.handler.changes.size() == 16 || c.failure() != null);
            assertThat(c.failure()).isNull();
            TableSchema schema = c.handler.schemas.get(0);
            assertThat(schema.columns().get(1).type().kind()).isEqualTo(TypeKind.DURATION);
            List<ChangeEvent> all = c.handler.changes;
            assertThat(all.subList(0, 8)).extracting(ChangeEvent::op).containsOnly(Operation.READ);
            assertThat(all.subList(8, 16)).extracting(ChangeEvent::op).containsOnly(Operation.CREATE);
            assertThat(all.subList(0, 8)).extracting(e -> e.after()[1]).containsExactlyElementsOf(expected());
            assertThat(all.subList(8, 16)).extracting(e -> e.after()[1]).containsExactlyElementsOf(expected());

            try (MySqlRows verify = MySqlRows.source(db.sourceConfig(List.of("time_ext"), SnapshotMode.NEVER))) {
                RowSource read = verify.rows(schema);
                List<Object> values = read.rows(null, null, 100).stream().map(r -> r[1]).toList();
                List<Duration> twice = new ArrayList<>(expected());
                twice.addAll(expected());
                assertThat(values).containsExactlyElementsOf(twice);
            }
        }
    }
}
