package io.ferry.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Operation;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import io.ferry.mysql.MySqlTestServer.Flavor;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.LocalDate;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The edges of MySQL's and MariaDB's value ranges arrive as the same exact values from the snapshot and from the
 * binlog: zero dates under a permissive {@code sql_mode}, bit(1) to bit(64), geometry, generated and invisible
 * columns, utf8mb3 and utf8mb4 text, unsigned extremes, year, an empty enum label, decimal(65,30), float and
 * double extremes.
 */
@ParameterizedClass
@EnumSource(Flavor.class)
class TypeMatrixTest {

    private final MySqlTestServer db;

    TypeMatrixTest(Flavor flavor) {
        db = MySqlTestServer.shared(flavor);
    }

    private static final String PERMISSIVE = "SET SESSION sql_mode = ''";

    private String columns() {
        String invisible = "inv int INVISIBLE";
        return "id int PRIMARY KEY, d date, d2 date, dt datetime(6), ts timestamp(6) NULL,"
                + " b1 bit(1), b64 bit(64), g geometry, p point, gen_v int AS (id * 10) VIRTUAL,"
                + " gen_s int AS (id * 100) STORED, " + invisible + ","
                + " t3 varchar(10) CHARACTER SET utf8mb3, t4 varchar(10) CHARACTER SET utf8mb4,"
                + " tu tinyint unsigned, su smallint unsigned, mu mediumint unsigned, iu int unsigned,"
                + " bu bigint unsigned, bmin bigint, y year, e enum('', 'a'), dec65 decimal(65,30),"
                + " f float, dd double, fneg float, dmin double";
    }

    private static final String NAMES = "(id, d, d2, dt, ts, b1, b64, g, p, inv, t3, t4, tu, su, mu, iu, bu, bmin, y,"
            + " e, dec65, f, dd, fneg, dmin)";

    private static String row(int id) {
        return "(" + id + ", '0000-00-00', '2024-00-15', '0000-00-00 00:00:00', '0000-00-00 00:00:00', b'1',"
                + " b'1000000000000000000000000000000000000000000000000000000000000001',"
                + " ST_GeomFromText('LINESTRING(0 0, 1 1.5)'), ST_GeomFromText('POINT(-1.25 2)', 4326), 42,"
                + " 'ünï ✓', 'emoji 😀', 255, 65535, 16777215, 4294967295, 18446744073709551615,"
                + " -9223372036854775808, 1901, '', -99999999999999999999999999999999999.999999999999999999999999999999,"
                + " 3.40282e38, 1.7976931348623157e308, -1.17549e-38, 2.2250738585072014e-308)";
    }

    private void assertRow(Object[] r, TableSchema s) {
        assertThat(r[s.indexOf("d")]).isNull();
        assertThat(r[s.indexOf("d2")]).isNull();
        assertThat(r[s.indexOf("dt")]).isNull();
        assertThat(r[s.indexOf("ts")]).isNull();
        assertThat((byte[]) r[s.indexOf("b1")]).containsExactly(1);
        assertThat((byte[]) r[s.indexOf("b64")]).containsExactly(0x80, 0, 0, 0, 0, 0, 0, 1);
        assertThat(HexFormat.of().formatHex((byte[]) r[s.indexOf("p")]))
                .isEqualTo(db.queryString("SELECT HEX(p) FROM tm_all WHERE id = 1").toLowerCase());
        assertThat(HexFormat.of().formatHex((byte[]) r[s.indexOf("g")]))
                .isEqualTo(db.queryString("SELECT HEX(g) FROM tm_all WHERE id = 1").toLowerCase());
        assertThat(r[s.indexOf("gen_s")]).isEqualTo(((Integer) r[0]) * 100);
        // Both servers log VIRTUAL generated columns in a full row image, so they are captured like any other.
        assertThat(r[s.indexOf("gen_v")]).isEqualTo(((Integer) r[0]) * 10);
        assertThat(r[s.indexOf("inv")]).isEqualTo(42);
        assertThat(r[s.indexOf("t3")]).isEqualTo("ünï ✓");
        assertThat(r[s.indexOf("t4")]).isEqualTo("emoji 😀");
        assertThat(r[s.indexOf("tu")]).isEqualTo((short) 255);
        assertThat(r[s.indexOf("su")]).isEqualTo(65535);
        assertThat(r[s.indexOf("mu")]).isEqualTo(16777215);
        assertThat(r[s.indexOf("iu")]).isEqualTo(4294967295L);
        assertThat(r[s.indexOf("bu")]).isEqualTo(new BigDecimal("18446744073709551615"));
        assertThat(r[s.indexOf("bmin")]).isEqualTo(Long.MIN_VALUE);
        assertThat(r[s.indexOf("y")]).isEqualTo((short) 1901);
        assertThat(r[s.indexOf("e")]).isEqualTo("");
        assertThat(r[s.indexOf("dec65")])
                .isEqualTo(new BigDecimal("-99999999999999999999999999999999999.999999999999999999999999999999"));
        assertThat(r[s.indexOf("f")]).isEqualTo(3.40282e38f);
        assertThat(r[s.indexOf("dd")]).isEqualTo(Double.MAX_VALUE);
        assertThat(r[s.indexOf("fneg")]).isEqualTo(-1.17549e-38f);
        assertThat(r[s.indexOf("dmin")]).isEqualTo(Double.MIN_NORMAL);
    }

    @Test
    void everyEdgeValueArrivesTheSameFromSnapshotAndBinlog() throws Exception {
        db.execute(PERMISSIVE, "CREATE TABLE tm_all (" + columns() + ")", "INSERT INTO tm_all " + NAMES + " VALUES " + row(1));
        MySqlSource source = new MySqlSource(db.sourceConfig(List.of("tm_all"), SnapshotMode.INITIAL), 201);
        try (Capture c = Capture.start(source, Map.of(), true)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> c.handler.changes.size() == 1 || c.failure() != null);
            db.execute(PERMISSIVE, "INSERT INTO tm_all " + NAMES + " VALUES " + row(2));
            await().atMost(Duration.ofSeconds(30)).until(() -> c.handler.changes.size() >= 2 || c.failure() != null);
            assertThat(c.failure()).isNull();
            List<ChangeEvent> all = c.handler.changes;
            assertThat(all).extracting(ChangeEvent::op).containsExactly(Operation.READ, Operation.CREATE);
            assertThat(c.handler.schemas).hasSize(1);
            TableSchema s = c.handler.schemas.get(0);
            assertRow(all.get(0).after(), s);
            assertRow(all.get(1).after(), s);
            assertThat(s.columns().get(s.indexOf("g")).type().kind()).isEqualTo(TypeKind.BYTES);
            assertThat(s.columns().get(s.indexOf("d")).nullable()).isTrue();
        }
    }
}
