package io.ferry.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import io.ferry.mysql.MySqlTestServer.Flavor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * MariaDB's own {@code uuid}, {@code inet4} and {@code inet6} types: a snapshot reads their text, a binlog row image
 * holds their bytes; both give the value the server prints (a {@link UUID}, the address text), under one schema.
 */
class MariaDbOwnTypesTest {

    private static final String[][] VALUES = {
        {"6ccd780c-baba-1026-9564-5b8c656024db", "0.0.0.0", "::"},
        {"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "255.255.255.255", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
        {"00000000-0000-0000-0000-000000000000", "1.2.3.4", "::1"},
        {"ffffffff-ffff-ffff-ffff-ffffffffffff", "10.0.0.1", "::ffff:1.2.3.4"},
        {"01890a5d-ac96-774b-bcce-b302099a8057", "192.168.100.200", "::1.2.3.4"},
        {"00000000-0000-0000-0000-000000000001", "127.0.0.1", "1:0:2:3:4:5:6:7"},
        {"ffffffff-ffff-1fff-bfff-ffffffffffff", "8.8.8.8", "1:0:0:2:0:0:0:3"},
        {"12345678-9abc-4ef0-9234-56789abcdef0", "1.0.0.0", "2001:db8::ff00:42:8329"},
        {"12345678-9abc-4ef0-9234-56789abcdef1", "0.0.0.1", "1::"},
        {"12345678-9abc-4ef0-9234-56789abcdef2", "0.0.0.2", "::ffff:0.0.0.0"},
        {"12345678-9abc-4ef0-9234-56789abcdef3", "0.0.0.3", "::0.0.1.0"},
        {"12345678-9abc-4ef0-9234-56789abcdef4", "0.0.0.4", "0:1:0:1:0:1:0:1"},
        {"12345678-9abc-4ef0-9234-56789abcdef5", "0.0.0.5", "fe80::1:0:0:1"},
        {"12345678-9abc-4ef0-9234-56789abcdef6", "0.0.0.6", "0:0:0:0:0:ffff:0:1"},
        {"12345678-9abc-4ef0-9234-56789abcdef7", "0.0.0.7", "ffff::ffff:1.2.3.4"},
    };

    private final MySqlTestServer db = MySqlTestServer.shared(Flavor.MARIADB);

    @Test
    void snapshotAndBinlogGiveTheTextTheServerPrints() throws Exception {
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < VALUES.length; i++) {
            rows.append(i == 0 ? "" : ", ").append("(").append(i + 1).append(", '").append(VALUES[i][0])
                    .append("', '").append(VALUES[i][1]).append("', '").append(VALUES[i][2]).append("')");
        }
        db.execute("DROP TABLE IF EXISTS own_t", "CREATE TABLE own_t (id int PRIMARY KEY, u uuid, i4 inet4, i6 inet6)",
                "INSERT INTO own_t VALUES " + rows + ", (100, NULL, NULL, NULL)");
        int n = VALUES.length + 1;
        MySqlSource source = new MySqlSource(db.sourceConfig(List.of("own_t"), SnapshotMode.INITIAL), 207);
        try (Capture c = Capture.start(source, Map.of(), true)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> c.handler.changes.size() == n || c.failure() != null);
            db.execute("INSERT INTO own_t SELECT id + 1000, u, i4, i6 FROM own_t");
            await().atMost(Duration.ofSeconds(30)).until(() -> c.handler.changes.size() == 2 * n || c.failure() != null);
            assertThat(c.failure()).isNull();
            List<ChangeEvent> all = c.handler.changes;
            for (int i = 0; i < n; i++) {
                Object[] snapshot = all.get(i).after();
                Object[] streamed = all.get(n + i).after();
                assertThat(streamed[0]).isEqualTo((Integer) snapshot[0] + 1000);
                assertThat(streamed).as("row %s", snapshot[0]).containsExactly(streamed[0], snapshot[1], snapshot[2],
                        snapshot[3]);
                if (i < VALUES.length) {
                    assertThat(snapshot[1]).isEqualTo(UUID.fromString(VALUES[i][0]));
                    assertThat(snapshot[2]).isEqualTo(VALUES[i][1]);
                    assertThat(snapshot[3]).as("inet6 of row %s", snapshot[0])
                            .isEqualTo(db.queryString("SELECT i6 FROM own_t WHERE id = " + snapshot[0]));
                }
            }
            assertThat(all.get(n - 1).after()).containsExactly(100, null, null, null);
            // Both reads describe the columns the same way: one schema, no type change.
            assertThat(c.handler.schemas).hasSize(1);
            TableSchema s = c.handler.schemas.get(0);
            assertThat(s.columns()).extracting(col -> col.type().kind())
                    .containsExactly(TypeKind.INT32, TypeKind.UUID, TypeKind.TEXT, TypeKind.TEXT);
            assertThat(s.columns()).extracting(col -> col.type().sourceName())
                    .containsExactly("int(11)", "uuid", "inet4", "inet6");
        }
    }
}
