package io.ferry.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.ferry.core.FerryException;
import io.ferry.core.Secret;
import io.ferry.core.config.SourceConfig;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import io.ferry.mysql.MySqlTestServer.Flavor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** prepare() names what is wrong in one line, and says whether retrying can help. */
@ParameterizedClass
@EnumSource(Flavor.class)
class PrepareErrorsTest {

    private final MySqlTestServer db;

    PrepareErrorsTest(Flavor flavor) {
        db = MySqlTestServer.shared(flavor);
    }

    @BeforeEach
    void tables() {
        db.execute("CREATE TABLE IF NOT EXISTS keyless (v text)", "CREATE TABLE IF NOT EXISTS keyed (id int PRIMARY KEY)");
        db.createUser("norepl", "pw", "SELECT");
    }

    private FerryException prepareFails(SourceConfig config) {
        return catchThrowableOfType(FerryException.class, () -> new MySqlSource(config, 199).prepare());
    }

    private SourceConfig config(int port, String database, String user, String password, List<String> tables) {
        return new SourceConfig("mysql", MySqlTestServer.HOST, port, database, user, new Secret(password), tables,
                SnapshotMode.INITIAL);
    }

    @Test
    void anUnreachableServerIsRetriableAndNamesHostAndPort() {
        int port = MySqlTestServer.freePort();
        FerryException e = prepareFails(config(port, "ferry", "ferry", "x", List.of("keyed")));
        assertThat(e.retriable()).isTrue();
        assertThat(e.getMessage()).startsWith("cannot reach MySQL at 127.0.0.1:" + port).doesNotContain("\n");
    }

    @Test
    void aWrongPasswordNamesUserAndDatabaseAndIsNotRetriable() {
        FerryException e = prepareFails(config(db.port(), "ferry", "ferry", "wrong", List.of("keyed")));
        assertThat(e.retriable()).isFalse();
        assertThat(e.getMessage()).isEqualTo("MySQL rejected the password for user \"ferry\" on database"
                + " \"ferry\" at 127.0.0.1:" + db.port());
    }

    @Test
    void aMissingDatabaseIsNamed() {
        FerryException e = prepareFails(config(db.port(), "nodb", "ferry", MySqlTestServer.PASSWORD, List.of("keyed")));
        assertThat(e.getMessage()).startsWith("database \"nodb\" does not exist");
    }

    @Test
    void aUserWithoutReplicationPrivilegesIsTold() {
        FerryException e = prepareFails(config(db.port(), "ferry", "norepl", "pw", List.of("keyed")));
        String monitor = db.flavor() == Flavor.MARIADB ? "BINLOG MONITOR" : "REPLICATION CLIENT";
        assertThat(e.getMessage()).isEqualTo("user \"norepl\" lacks REPLICATION SLAVE, " + monitor + ", RELOAD (needed"
                + " to read the binlog and to take a consistent snapshot); run GRANT REPLICATION SLAVE, " + monitor
                + ", RELOAD ON *.* TO 'norepl'@'%'");
    }

    @Test
    void aMissingTableIsNamed() {
        FerryException e = prepareFails(db.sourceConfig(List.of("keyed", "ferry.nothere"), SnapshotMode.INITIAL));
        assertThat(e.getMessage()).isEqualTo("table \"ferry.nothere\" does not exist (source.tables entry"
                + " \"ferry.nothere\")");
    }

    @Test
    void aTableWithoutPrimaryKeyIsAccepted() {
        // Captured keyed by its whole row; KeylessDuplicateRowsTest covers what arrives and a wrong key column.
        MySqlSource source = new MySqlSource(db.sourceConfig(List.of("keyless"), SnapshotMode.INITIAL), 110);
        source.prepare();
        source.close();
        assertThat(source.status().phase()).isEqualTo("closed");
    }

    @Test
    void binlogRowMetadataNotFullIsNamedWithItsValueAndTheFix() {
        db.executeAsAdmin("SET GLOBAL binlog_row_metadata = 'MINIMAL'");
        try {
            FerryException e = prepareFails(db.sourceConfig(List.of("keyed"), SnapshotMode.INITIAL));
            assertThat(e.getMessage()).isEqualTo("MySQL at 127.0.0.1:" + db.port() + " has binlog_row_metadata=MINIMAL;"
                    + " set binlog_row_metadata=FULL in the server configuration (and SET GLOBAL binlog_row_metadata"
                    + " = 'FULL' for the running server)");
        } finally {
            db.executeAsAdmin("SET GLOBAL binlog_row_metadata = 'FULL'");
        }
    }
}
