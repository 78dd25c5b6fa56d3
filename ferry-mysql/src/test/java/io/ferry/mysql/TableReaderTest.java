package io.ferry.mysql;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.core.TableId;
import io.ferry.mysql.MySqlTestServer.Flavor;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Keyset chunks follow the primary key's own order: an ENUM or SET key column sorts by its index, not its label, so
 * the "after the last key" condition must compare indexes too, or chunks skip and repeat rows.
 */
@ParameterizedClass
@EnumSource(Flavor.class)
class TableReaderTest {

    private final MySqlTestServer db;

    TableReaderTest(Flavor flavor) {
        db = MySqlTestServer.shared(flavor);
    }

    @Test
    void chunksOfAnEnumAndSetKeyReadEveryRowOnceInKeyOrder() throws Exception {
        // Labels out of alphabetical order: 'zeta' has index 1, 'alpha' 3.
        db.execute("DROP TABLE IF EXISTS tr_enum_key",
                "CREATE TABLE tr_enum_key (kind enum('zeta','mid','alpha') NOT NULL, flags set('x','b','a') NOT NULL,"
                        + " id int NOT NULL, PRIMARY KEY (kind, flags, id))");
        List<String> expected = new ArrayList<>();
        StringBuilder insert = new StringBuilder("INSERT INTO tr_enum_key VALUES ");
        String[] kinds = {"zeta", "mid", "alpha"};
        String[] flags = {"x", "b", "x,b", "a", "x,a"};
        for (String kind : kinds) {
            for (String flag : flags) {
                for (int id = 1; id <= 4; id++) {
                    insert.append(expected.isEmpty() ? "" : ", ").append("('").append(kind).append("', '").append(flag)
                            .append("', ").append(id).append(')');
                    expected.add(kind + "/" + flag + "/" + id);
                }
            }
        }
        db.execute(insert.toString());
        TableId table = new TableId(MySqlTestServer.DATABASE, "tr_enum_key");
        List<String> read = new ArrayList<>();
        try (Connection c = db.connect()) {
            TableDef def = new Catalog(c).describe(table);
            TableReader.read(c, table, def.columns, def.shape.keyIndexes(), null, 7, (rows, lastKey, last) -> {
                for (Object[] row : rows) {
                    read.add(row[0] + "/" + row[1] + "/" + row[2]);
                }
            });
        }
        assertThat(read).containsExactlyElementsOf(expected);
    }
}
