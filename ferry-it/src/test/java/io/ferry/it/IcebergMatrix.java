package io.ferry.it;

import java.util.List;
import org.apache.iceberg.Table;

/** What PostgresTypeMatrixIT's matrix becomes in Iceberg tables, read back with Iceberg's generic reader. */
final class IcebergMatrix {

    private IcebergMatrix() {
    }

    static void assertRefusals(MatrixTarget.Bound target, String warehouse, List<String> dead) {
        System.out.println("OBSERVE dead:\n  " + String.join("\n  ", dead));
        System.out.println("OBSERVE unholdable: " + target.lake(warehouse).rows(MatrixTarget.LAKE_NAMESPACE, "unholdable"));
    }

    static void assertTypesAndHardestCells(MatrixTarget.Bound target, String warehouse) {
        Table t = target.lake(warehouse).table(MatrixTarget.LAKE_NAMESPACE, "matrix");
        System.out.println("OBSERVE schema: " + t.schema());
        for (List<Object> r : target.lake(warehouse).rows(MatrixTarget.LAKE_NAMESPACE, "matrix")) {
            System.out.println("OBSERVE row: " + r);
        }
        throw new AssertionError("observing");
    }
}
