package io.ferry.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Operation;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import io.ferry.mysql.MySqlTestServer.Flavor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Every supported type arrives with the same exact Java value from the snapshot and from the binlog. */
@ParameterizedClass
@EnumSource(Flavor.class)
class TypeRoundTripTest {

    private final MySqlTestServer db;

    TypeRoundTripTest(Flavor flavor) {
        db = MySqlTestServer.shared(flavor);
    }

    private static final String COLUMNS = "id int PRIMARY KEY, ti tinyint, tiu tinyint unsigned, si smallint,"
            + " siu smallint unsigned, mi mediumint, miu mediumint unsigned, i int, iu int unsigned, bi bigint,"
            + " biu bigint unsigned, dec65 decimal(65,30), f float, d double, b10 bit(10), c char(5),"
            + " vc varchar(20), tx text, ltx longtext, bin binary(4), vb varbinary(10), bl blob, dt date,"
            + " tm time(6), dtm datetime(6), ts timestamp(6) NULL, y year, j json, e enum('small','large'),"
            + " s set('x','y','z')";

    private static final String ROW = "(1, -128, 255, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295,"
            + " -9223372036854775808, 18446744073709551615,"
            + " 12345678901234567890123456789012345.123456789012345678901234567890, 3.1415927, 2.718281828459045,"
            + " b'1010101011', 'ab', 'héllo 😀', 'text ✓', REPEAT('x', 70000), x'01020000', x'00ff00', x'0000ff00',"
            + " '2024-02-29', '23:59:59.999999', '2024-01-02 03:04:05.123456', '2038-01-19 03:14:07.654321', 2155,"
            + " '{\"k\": \"ünï 😀\", \"n\": [1, 2.5]}', 'large', 'x,z')";

    private static final String NULLS = "(2" + ", NULL".repeat(29) + ")";

    private void assertExpected(Object[] row) {
        assertThat(row[0]).isEqualTo(1);
        assertThat(row[1]).isEqualTo((short) -128);
        assertThat(row[2]).isEqualTo((short) 255);
        assertThat(row[3]).isEqualTo((short) -32768);
        assertThat(row[4]).isEqualTo(65535);
        assertThat(row[5]).isEqualTo(-8388608);
        assertThat(row[6]).isEqualTo(16777215);
        assertThat(row[7]).isEqualTo(Integer.MIN_VALUE);
        assertThat(row[8]).isEqualTo(4294967295L);
        assertThat(row[9]).isEqualTo(Long.MIN_VALUE);
        assertThat(row[10]).isEqualTo(new BigDecimal("18446744073709551615"));
        assertThat(row[11]).isEqualTo(new BigDecimal("12345678901234567890123456789012345.123456789012345678901234567890"));
        assertThat(row[12]).isEqualTo(3.1415927f);
        assertThat(row[13]).isEqualTo(2.718281828459045);
        assertThat((byte[]) row[14]).containsExactly(0x02, 0xAB);
        assertThat(row[15]).isEqualTo("ab");
        assertThat(row[16]).isEqualTo("héllo 😀");
        assertThat(row[17]).isEqualTo("text ✓");
        assertThat(row[18]).isEqualTo("x".repeat(70000));
        assertThat((byte[]) row[19]).containsExactly(1, 2, 0, 0);
        assertThat((byte[]) row[20]).containsExactly(0, 0xFF, 0);
        assertThat((byte[]) row[21]).containsExactly(0, 0, 0xFF, 0);
        assertThat(row[22]).isEqualTo(LocalDate.of(2024, 2, 29));
        assertThat(row[23]).isEqualTo(Duration.ofHours(23).plusMinutes(59).plusSeconds(59).plusNanos(999_999_000));
        assertThat(row[24]).isEqualTo(LocalDateTime.of(2024, 1, 2, 3, 4, 5, 123_456_000));
        assertThat(row[25]).isEqualTo(Instant.parse("2038-01-19T03:14:07.654321Z"));
        assertThat(row[26]).isEqualTo((short) 2155);
        assertThat(row[27]).isEqualTo("{\"k\": \"ünï 😀\", \"n\": [1, 2.5]}");
        assertThat(row[28]).isEqualTo("large");
        assertThat(row[29]).isEqualTo("x,z");
    }

    @Test
    void snapshotAndBinlogGiveTheSameExactValues() throws Exception {
        db.execute("CREATE TABLE types_rt (" + COLUMNS + ")", "INSERT INTO types_rt VALUES " + ROW + ", " + NULLS);
        MySqlSource source = new MySqlSource(db.sourceConfig(List.of("types_rt"), SnapshotMode.INITIAL), 101);
        try (Capture c = Capture.start(source, Map.of(), true)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> c.handler.changes.size() == 2 || c.failure() != null);
            assertThat(c.failure()).isNull();
            db.execute("DELETE FROM types_rt", "INSERT INTO types_rt VALUES " + ROW + ", " + NULLS);
            await().atMost(Duration.ofSeconds(30)).until(() -> c.handler.changes.size() == 6 || c.failure() != null);
            assertThat(c.failure()).isNull();
            List<ChangeEvent> all = c.handler.changes;
            assertThat(all).extracting(ChangeEvent::op).containsExactly(Operation.READ, Operation.READ,
                    Operation.DELETE, Operation.DELETE, Operation.CREATE, Operation.CREATE);
            ChangeEvent snap = all.get(0);
            ChangeEvent streamed = all.get(4);
            assertExpected(snap.after());
            assertExpected(streamed.after());
            assertExpected(all.get(2).before());
            assertThat(all.get(1).after()).containsExactly(all.get(5).after());
            assertThat(all.get(1).after()[0]).isEqualTo(2);
            for (int i = 1; i < 30; i++) {
                assertThat(all.get(1).after()[i]).isNull();
            }
            TableSchema schema = c.handler.schemas.get(0);
            assertThat(c.handler.schemas).hasSize(1);
            assertThat(schema.primaryKey()).containsExactly("id");
            assertThat(schema.columns().get(10).type().kind()).isEqualTo(TypeKind.DECIMAL);
            // MySQL 8.0.19 stopped printing integer display widths.
            assertThat(schema.columns().get(10).type().sourceName())
                    .isEqualTo(db.flavor() == Flavor.MARIADB ? "bigint(20) unsigned" : "bigint unsigned");
            assertThat(schema.columns().get(27).type().kind()).isEqualTo(TypeKind.JSON);
            assertThat(schema.columns().get(28).type().kind()).isEqualTo(TypeKind.ENUM);
            assertThat(source.snapshotLockHeld()).isNotNull();
        }
    }

    @Test
    void datesBeforeTheGregorianReformArriveUnshiftedFromTheBinlog() throws Exception {
        db.execute("CREATE TABLE early_rt (id int PRIMARY KEY, d date, dt datetime(6))",
                "INSERT INTO early_rt VALUES (1, '1000-01-01', '0001-01-01 00:00:00.000001')");
        MySqlSource source = new MySqlSource(db.sourceConfig(List.of("early_rt"), SnapshotMode.INITIAL), 105);
        try (Capture c = Capture.start(source, Map.of(), true)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> c.handler.changes.size() == 1 || c.failure() != null);
            db.execute("INSERT INTO early_rt SELECT 2, d, dt FROM early_rt",
                    "INSERT INTO early_rt VALUES (3, '1582-10-10', '1582-10-04 23:59:59.999999')");
            await().atMost(Duration.ofSeconds(30)).until(() -> c.handler.changes.size() == 3 || c.failure() != null);
            assertThat(c.failure()).isNull();
            List<ChangeEvent> all = c.handler.changes;
            Object[] expected = {LocalDate.of(1000, 1, 1), LocalDateTime.of(1, 1, 1, 0, 0, 0, 1000)};
            assertThat(all.get(0).after()).containsExactly(1, expected[0], expected[1]);
            assertThat(all.get(1).after()).containsExactly(2, expected[0], expected[1]);
            assertThat(all.get(2).after()).containsExactly(3, LocalDate.of(1582, 10, 10),
                    LocalDateTime.of(1582, 10, 4, 23, 59, 59, 999_999_000));
        }
    }

    @Test
    void jsonFromTheBinlogReadsAsTheServerPrintsIt() throws Exception {
        // MySQL keeps JSON in a binary form: the binlog text must be rebuilt exactly as SELECT prints it.
        List<String> values = List.of("{\"b\": [1, -2.5, 1e15, 1e14, 1.5e-7, 1e-30, -0.0, 5e-324, 1234567890123456.8],"
                + " \"a\": {\"s\": \"q\\\"b\\\\s\\n\\t\\u0001 ünï 😀/\"}, \"n\": null, \"t\": true, \"big\": 18446744073709551615}",
                "[]", "{}", "\"text\"", "3", "[[], [{}], {\"k\": []}]");
        db.execute("CREATE TABLE json_rt (id int PRIMARY KEY, j json)");
        MySqlSource source = new MySqlSource(db.sourceConfig(List.of("json_rt"), SnapshotMode.NEVER), 106);
        try (Capture c = Capture.start(source, Map.of(), true)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> source.status().phase().equals("streaming"));
            for (int i = 0; i < values.size(); i++) {
                db.execute("INSERT INTO json_rt VALUES (" + i + ", '" + values.get(i).replace("\\", "\\\\") + "')");
            }
            db.execute("INSERT INTO json_rt SELECT 100, JSON_ARRAY(CAST('2020-01-02 03:04:05' AS DATETIME),"
                    + " CAST('-10:11:12.5' AS TIME(1)), CAST('2020-01-02' AS DATE), CAST(1.50 AS DECIMAL(5,2)))");
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> c.handler.changes.size() == values.size() + 1 || c.failure() != null);
            assertThat(c.failure()).isNull();
            for (ChangeEvent e : c.handler.changes) {
                Object id = e.after()[0];
                assertThat(e.after()[1]).as("json of row %s", id)
                        .isEqualTo(db.queryString("SELECT j FROM json_rt WHERE id = " + id));
            }
        }
    }
}
