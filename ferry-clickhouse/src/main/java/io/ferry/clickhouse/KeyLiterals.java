package io.ferry.clickhouse;

import io.ferry.core.Column;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** Key values as SQL expressions of the key column's ClickHouse type, for lookups and verify's paging. */
final class KeyLiterals {

    private KeyLiterals() {
    }

    /** {@code CAST('text' AS type)}, or {@code unhex('..')} for bytes. */
    static String of(Object v, Column column, String baseType, ServerVersion server) {
        if (v instanceof byte[] b) {
            return "unhex('" + HexFormat.of().formatHex(b) + "')";
        }
        Tsv.Out out = new Tsv.Out();
        CellText.write(v, column.type(), server, out);
        out.endRow();
        byte[] field = Tsv.parse(out.toByteArray()).get(0)[0];
        return "CAST(" + ClickHouseHttp.literal(new String(field, StandardCharsets.UTF_8)) + " AS " + baseType + ")";
    }
}
