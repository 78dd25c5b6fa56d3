package io.ferry.transform;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.cel.common.types.CelType;
import dev.cel.common.types.ListType;
import dev.cel.common.types.SimpleType;
import io.ferry.core.BoundedArray;
import io.ferry.core.ColumnType;
import io.ferry.core.TypeKind;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Ferry's column values as CEL sees them, and CEL results as column values. Numbers become int or double
 * (a decimal is compared as a double), a timestamp with time zone a CEL timestamp, bytes CEL bytes; every
 * other kind (dates, times, uuids, JSON, enums, intervals) its text, which compares in ISO order.
 */
final class CelValues {

    private CelValues() {
    }

    static CelType typeOf(ColumnType type) {
        return switch (type.kind()) {
            case INT16, INT32, INT64 -> SimpleType.INT;
            case DECIMAL, FLOAT32, FLOAT64 -> SimpleType.DOUBLE;
            case BOOLEAN -> SimpleType.BOOL;
            case BYTES -> SimpleType.BYTES;
            case TIMESTAMPTZ -> SimpleType.TIMESTAMP;
            case ARRAY -> ListType.create(typeOf(type.element()));
            default -> SimpleType.STRING;
        };
    }

    static Object toCel(TypeKind kind, ColumnType type, Object v) {
        return switch (kind) {
            case INT16, INT32, INT64 -> ((Number) v).longValue();
            case FLOAT32, FLOAT64 -> ((Number) v).doubleValue();
            case DECIMAL -> v instanceof BigDecimal d ? d.doubleValue() : Double.parseDouble(v.toString());
            case BOOLEAN -> v;
            case BYTES -> ByteString.copyFrom((byte[]) v);
            case TIMESTAMPTZ -> timestamp((Instant) v);
            case ARRAY -> {
                List<Object> out = new ArrayList<>();
                // A CEL list is indexed from 0 whatever the array's lower bounds: an expression sees the elements.
                for (Object e : v instanceof BoundedArray b ? b.elements() : (List<?>) v) {
                    // CEL lists hold no nulls: a null element becomes the element type's text "null".
                    out.add(e == null ? "null" : toCel(type.element().kind(), type.element(), e));
                }
                yield out;
            }
            default -> v.toString();
        };
    }

    static Timestamp timestamp(Instant i) {
        return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }

    static Timestamp timestampOfMicros(long micros) {
        return Timestamp.newBuilder().setSeconds(Math.floorDiv(micros, 1_000_000L))
                .setNanos((int) Math.floorMod(micros, 1_000_000L) * 1000).build();
    }

    /** The column type a computed column of CEL type {@code t} gets, or null when CEL's type has no column kind. */
    static ColumnType columnTypeOf(CelType t) {
        if (t.equals(SimpleType.BOOL)) {
            return ColumnType.of(TypeKind.BOOLEAN, "boolean");
        } else if (t.equals(SimpleType.INT) || t.equals(SimpleType.UINT)) {
            return ColumnType.of(TypeKind.INT64, "bigint");
        } else if (t.equals(SimpleType.DOUBLE)) {
            return ColumnType.of(TypeKind.FLOAT64, "double precision");
        } else if (t.equals(SimpleType.STRING)) {
            return ColumnType.of(TypeKind.TEXT, "text");
        } else if (t.equals(SimpleType.BYTES)) {
            return ColumnType.of(TypeKind.BYTES, "bytea");
        } else if (t.equals(SimpleType.TIMESTAMP)) {
            return ColumnType.of(TypeKind.TIMESTAMPTZ, "timestamp with time zone");
        }
        return null;
    }

    /** A CEL result as the value of a column of {@code kind}. */
    static Object fromCel(TypeKind kind, Object v) {
        return switch (kind) {
            case INT64 -> v instanceof Number n ? n.longValue() : Long.valueOf(v.toString());
            case BYTES -> ((ByteString) v).toByteArray();
            case TIMESTAMPTZ -> v instanceof Timestamp t ? instant(t) : (Instant) v;
            default -> v;
        };
    }

    private static Instant instant(Timestamp t) {
        // Ferry's timestamps hold microseconds.
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos() / 1000 * 1000L);
    }
}
