package io.ferry.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.ferry.core.FerryException;
import io.ferry.core.Secret;
import io.ferry.core.config.SourceConfig;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** prepare() names what is wrong in one line, and says whether retrying can help. */
class PrepareErrorsTest {

    private static final PostgresTestServer PG = PostgresTestServer.shared();

    @BeforeAll
    static void tables() throws Exception {
        PG.execute("CREATE TABLE keyless (v text)", "CREATE TABLE keyed (id int PRIMARY KEY)");
        try (var admin = PG.admin(PostgresTestServer.DATABASE); var st = admin.createStatement()) {
            st.execute("CREATE ROLE norepl LOGIN PASSWORD 'pw'");
        }
    }

    private static FerryException prepareFails(SourceConfig config) {
        return catchThrowableOfType(FerryException.class, () -> new PostgresSource(config, "err_slot").prepare());
    }

    private static SourceConfig config(int port, String database, String user, String password, List<String> tables) {
        return new SourceConfig("postgres", PostgresTestServer.HOST, port, database, user, new Secret(password),
                tables, SnapshotMode.INITIAL);
    }

    @Test
    void anUnreachableServerIsRetriableAndNamesHostAndPort() {
        int port = PostgresTestServer.freePort();
        FerryException e = prepareFails(config(port, "ferry", "ferry", "x", List.of("keyed")));
        assertThat(e.retriable()).isTrue();
        assertThat(e.getMessage()).startsWith("cannot reach PostgreSQL at 127.0.0.1:" + port).doesNotContain("\n");
    }

    @Test
    void aWrongPasswordNamesUserAndDatabaseAndIsNotRetriable() {
        FerryException e = prepareFails(config(PG.port(), "ferry", "ferry", "wrong", List.of("keyed")));
        assertThat(e.retriable()).isFalse();
        assertThat(e.getMessage()).isEqualTo("PostgreSQL rejected the password for user \"ferry\" on database"
                + " \"ferry\" at 127.0.0.1:" + PG.port());
    }

    @Test
    void aMissingDatabaseIsNamed() {
        FerryException e = prepareFails(config(PG.port(), "nodb", "ferry", PostgresTestServer.PASSWORD, List.of("keyed")));
        assertThat(e.getMessage()).startsWith("database \"nodb\" does not exist");
    }

    @Test
    void aUserWithoutReplicationPrivilegeIsTold() {
        FerryException e = prepareFails(config(PG.port(), "ferry", "norepl", "pw", List.of("keyed")));
        assertThat(e.getMessage()).isEqualTo("user \"norepl\" lacks the REPLICATION privilege; run"
                + " ALTER ROLE \"norepl\" REPLICATION");
    }

    @Test
    void aMissingTableIsNamedWithACaseHint() {
        FerryException e = prepareFails(PG.sourceConfig(List.of("keyed", "public.KEYED"), SnapshotMode.INITIAL));
        assertThat(e.getMessage()).isEqualTo("table \"public.KEYED\" does not exist (source.tables entry"
                + " \"public.KEYED\"); names are case-sensitive, did you mean \"public\".\"keyed\"?");
    }

    @Test
    void aPatternMatchingNothingIsNamed() {
        FerryException e = prepareFails(PG.sourceConfig(List.of("nothing_*"), SnapshotMode.INITIAL));
        assertThat(e.getMessage()).isEqualTo("source.tables pattern \"nothing_*\" matches no table");
    }

    @Test
    void aTableWithoutPrimaryKeyOrFullReplicaIdentityIsRefusedNamingTheFix() {
        FerryException e = prepareFails(PG.sourceConfig(List.of("keyless"), SnapshotMode.INITIAL));
        assertThat(e.getMessage()).isEqualTo("table \"public.keyless\" has no primary key and its REPLICA IDENTITY"
                + " is neither FULL nor USING INDEX, so PostgreSQL does not log which row an UPDATE or DELETE"
                + " changed; run ALTER TABLE \"public\".\"keyless\" REPLICA IDENTITY FULL (or add a primary key),"
                + " or remove it from source.tables");
    }

    @Test
    void aServerWithoutLogicalWalLevelIsToldHowToFixIt() {
        try (PostgresTestServer replica = PostgresTestServer.start(Map.of("wal_level", "replica"))) {
            FerryException e = prepareFails(replica.sourceConfig(List.of("keyed"), SnapshotMode.INITIAL));
            assertThat(e.getMessage()).isEqualTo("PostgreSQL at 127.0.0.1:" + replica.port() + " has"
                    + " wal_level=replica; set wal_level=logical in postgresql.conf and restart the server");
        }
    }
}
