package io.ferry.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.FerryException;
import io.ferry.core.Operation;
import io.ferry.core.Secret;
import io.ferry.core.TableSchema;
import io.ferry.core.config.SourceConfig;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import io.ferry.mysql.MySqlTestServer.Flavor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A table without a primary key, holding equal rows several times, is captured with full row images: keyed by
 * the configured {@code source.key-columns}, else by its whole row; verify's reader reads it whole.
 */
@ParameterizedClass
@EnumSource(Flavor.class)
class KeylessDuplicateRowsTest {

    private final MySqlTestServer db;

    KeylessDuplicateRowsTest(Flavor flavor) {
        db = MySqlTestServer.shared(flavor);
    }

    private SourceConfig config(List<String> tables, Map<String, List<String>> keys) {
        SourceConfig c = db.sourceConfig(tables, SnapshotMode.INITIAL);
        return new SourceConfig(c.type(), c.host(), c.port(), c.database(), c.user(), c.password(), c.tables(),
                c.snapshot(), keys);
    }

    @Test
    void duplicatesArriveAsOftenAsTheyAreThereFromSnapshotAndBinlog() throws Exception {
        db.execute("CREATE TABLE kl_dup (a int, b varchar(5))",
                "INSERT INTO kl_dup VALUES (1, 'x'), (1, 'x'), (2, 'y')",
                "CREATE TABLE kl_keyed (code varchar(5), n int)", "INSERT INTO kl_keyed VALUES ('k', 1)");
        MySqlSource source = new MySqlSource(config(List.of("kl_*"), Map.of("kl_keyed", List.of("code"))), 181);
        try (Capture c = Capture.start(source, Map.of(), true)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> source.status().phase().equals("streaming"));
            db.execute("INSERT INTO kl_dup VALUES (2, 'y')", "DELETE FROM kl_dup WHERE a = 1 LIMIT 1",
                    "UPDATE kl_keyed SET n = 2");
            await().atMost(Duration.ofSeconds(30)).until(() -> c.handler.changes.size() == 7 || c.failure() != null);
            assertThat(c.failure()).isNull();
            List<ChangeEvent> dup = c.handler.changesOf("kl_dup");
            assertThat(dup).extracting(ChangeEvent::op).containsExactly(Operation.READ, Operation.READ,
                    Operation.READ, Operation.CREATE, Operation.DELETE);
            assertThat(dup.subList(0, 3)).extracting(e -> List.of(e.after())).containsExactlyInAnyOrder(
                    List.of(1, "x"), List.of(1, "x"), List.of(2, "y"));
            assertThat(dup.get(4).before()).containsExactly(1, "x");
            assertThat(dup.get(0).schema().primaryKey()).isEmpty();
            List<ChangeEvent> keyed = c.handler.changesOf("kl_keyed");
            assertThat(keyed.get(0).schema().primaryKey()).containsExactly("code");
            assertThat(keyed.get(1).after()).containsExactly("k", 2);

            try (MySqlRows verify = MySqlRows.source(config(List.of("kl_*"), Map.of("kl_keyed", List.of("code"))))) {
                List<TableSchema> tables = verify.describeTables();
                TableSchema schema = tables.stream().filter(t -> t.table().table().equals("kl_dup")).findFirst()
                        .orElseThrow();
                assertThat(schema.primaryKey()).isEmpty();
                assertThat(verify.rows(schema).rows(null, null, Integer.MAX_VALUE)).extracting(List::of)
                        .containsExactlyInAnyOrder(List.of(1, "x"), List.of(2, "y"), List.of(2, "y"));
            }
        }
    }

    @Test
    void aConfiguredKeyColumnTheTableLacksIsNamed() {
        db.execute("CREATE TABLE kl_wrong (a int)");
        MySqlSource source = new MySqlSource(config(List.of("kl_wrong"), Map.of("kl_wrong", List.of("nope"))), 182);
        FerryException e = catchThrowableOfType(FerryException.class, source::prepare);
        source.close();
        assertThat(e.getMessage()).contains("\"nope\"").contains("kl_wrong").contains("source.key-columns");
    }
}
