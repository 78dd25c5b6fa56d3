package io.ferry.it;

import java.util.List;

/** What PostgresTypeMatrixIT's matrix becomes in ClickHouse 18.16 (docs/types.md). */
final class ClickHouseMatrix {

    private ClickHouseMatrix() {
    }

    static void assertRefusals(MatrixTarget.Bound target, String db, List<String> dead) {
        System.out.println("OBSERVE dead:\n  " + String.join("\n  ", dead));
        System.out.println("OBSERVE unholdable: " + target.query(db, "SELECT * FROM " + db
                + ".unholdable FINAL WHERE _ferry_deleted = 0 ORDER BY id"));
    }

    static void assertTypesAndHardestCells(MatrixTarget.Bound target, String db) {
        System.out.println("OBSERVE types: " + target.query(db, "SELECT name, type FROM system.columns WHERE database = '"
                + db + "' AND table = 'matrix'"));
        for (List<String> r : target.query(db, "SELECT * FROM " + db
                + ".matrix FINAL WHERE _ferry_deleted = 0 AND id IN (1, 2, 3, 5, 11, 12) ORDER BY id")) {
            System.out.println("OBSERVE row: " + r);
        }
        throw new AssertionError("observing");
    }
}
