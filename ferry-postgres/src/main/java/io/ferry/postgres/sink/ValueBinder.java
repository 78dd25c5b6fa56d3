package io.ferry.postgres.sink;

import io.ferry.core.ColumnType;
import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;

/**
 * Binds a value of a {@link io.ferry.core.TypeKind} to a statement parameter. Numbers, booleans, text,
 * bytes and UUIDs go through pgjdbc's typed setters (binary where pgjdbc can); the other kinds are sent as
 * untyped {@link PgText} input text, which is also what pgjdbc itself sends for {@code java.time} values.
 * Every placeholder is written as {@code CAST(? AS <target type>)}, so the server converts either form to
 * the target column's type, including enum and domain columns of a target created by hand.
 */
final class ValueBinder {

    private ValueBinder() {
    }

    static void bind(PreparedStatement ps, int index, ColumnType type, Object value) throws SQLException {
        if (value == null) {
            ps.setNull(index, nullType(type));
            return;
        }
        switch (type.kind()) {
            case INT16 -> ps.setShort(index, (Short) value);
            case INT32 -> ps.setInt(index, (Integer) value);
            case INT64 -> ps.setLong(index, (Long) value);
            case DECIMAL -> {
                if (value instanceof BigDecimal d) {
                    ps.setBigDecimal(index, d);
                } else {
                    ps.setObject(index, value.toString(), Types.OTHER);
                }
            }
            case FLOAT32 -> ps.setFloat(index, (Float) value);
            case FLOAT64 -> ps.setDouble(index, (Double) value);
            case BOOLEAN -> ps.setBoolean(index, (Boolean) value);
            case TEXT -> ps.setString(index, (String) value);
            case BYTES -> ps.setBytes(index, (byte[]) value);
            case UUID -> ps.setObject(index, value, Types.OTHER);
            default -> ps.setObject(index, PgText.encode(type, value), Types.OTHER);
        }
    }

    private static int nullType(ColumnType type) {
        return switch (type.kind()) {
            case INT16 -> Types.SMALLINT;
            case INT32 -> Types.INTEGER;
            case INT64 -> Types.BIGINT;
            case FLOAT32 -> Types.REAL;
            case FLOAT64 -> Types.DOUBLE;
            case BOOLEAN -> Types.BOOLEAN;
            case TEXT -> Types.VARCHAR;
            case BYTES -> Types.BINARY;
            default -> Types.OTHER;
        };
    }
}
