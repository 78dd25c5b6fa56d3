package io.ferry.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.core.ColumnType;
import io.ferry.core.TypeKind;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClickHouseTypesTest {

    private static final ServerVersion OLD = ServerVersion.parse("18.16.1");
    private static final ServerVersion NEW = ServerVersion.parse("24.8.4.13");

    @Test
    void everyKindHasATypeOnBothServerGenerations() {
        for (TypeKind kind : TypeKind.values()) {
            ColumnType t = kind == TypeKind.ARRAY ? ColumnType.arrayOf(ColumnType.of(TypeKind.INT32, "integer"), "integer[]")
                    : ColumnType.of(kind, "x");
            assertThat(ClickHouseTypes.of(t, OLD)).as(kind.name()).isNotBlank();
            assertThat(ClickHouseTypes.of(t, NEW)).as(kind.name()).isNotBlank();
        }
    }

    @Test
    void boundedDecimalsAreExactDecimalsAndTheRestExactText() {
        assertThat(type(TypeKind.DECIMAL, "numeric(38,10)", OLD)).isEqualTo("Decimal(38, 10)");
        assertThat(type(TypeKind.DECIMAL, "decimal(5)", OLD)).isEqualTo("Decimal(5, 0)");
        assertThat(type(TypeKind.DECIMAL, "bigint unsigned", OLD)).isEqualTo("Decimal(20, 0)");
        assertThat(type(TypeKind.DECIMAL, "numeric", OLD)).isEqualTo("String");
        assertThat(type(TypeKind.DECIMAL, "decimal(65,30)", OLD)).isEqualTo("String");
    }

    @Test
    void timesUseNativeTypesOnlyWhereTheServerHoldsMicroseconds() {
        assertThat(type(TypeKind.TIMESTAMP, "timestamp(6)", OLD)).isEqualTo("String");
        assertThat(type(TypeKind.TIMESTAMPTZ, "timestamptz", OLD)).isEqualTo("String");
        assertThat(type(TypeKind.TIMESTAMP, "timestamp(6)", NEW)).isEqualTo("DateTime64(6)");
        assertThat(type(TypeKind.TIMESTAMPTZ, "timestamptz", NEW)).isEqualTo("DateTime64(6, 'UTC')");
        assertThat(type(TypeKind.DATE, "date", OLD)).isEqualTo("Date");
        assertThat(type(TypeKind.DATE, "date", NEW)).isEqualTo("Date32");
        assertThat(type(TypeKind.DURATION, "time(6)", OLD)).isEqualTo("Int64");
    }

    @Test
    void nativeKindsMapToTheirClickHouseTypesAndTheRestToText() {
        assertThat(type(TypeKind.INT16, "smallint", OLD)).isEqualTo("Int16");
        assertThat(type(TypeKind.INT64, "bigint", OLD)).isEqualTo("Int64");
        assertThat(type(TypeKind.FLOAT32, "real", OLD)).isEqualTo("Float32");
        assertThat(type(TypeKind.BOOLEAN, "boolean", OLD)).isEqualTo("UInt8");
        assertThat(type(TypeKind.UUID, "uuid", OLD)).isEqualTo("UUID");
        Set<TypeKind> text = EnumSet.of(TypeKind.TEXT, TypeKind.BYTES, TypeKind.JSON, TypeKind.ENUM, TypeKind.UNKNOWN,
                TypeKind.INTERVAL, TypeKind.TIME, TypeKind.TIMETZ);
        for (TypeKind k : text) {
            assertThat(type(k, "x", NEW)).as(k.name()).isEqualTo("String");
        }
    }

    @Test
    void keyColumnsAreNotNullableAndTheOthersAre() {
        ColumnType t = ColumnType.of(TypeKind.INT32, "integer");
        assertThat(ClickHouseTypes.column(t, OLD, true)).isEqualTo("Int32");
        assertThat(ClickHouseTypes.column(t, OLD, false)).isEqualTo("Nullable(Int32)");
    }

    @Test
    void serverFeaturesFollowTheVersion() {
        assertThat(OLD.hasDateTime64() || OLD.hasIsDeleted() || OLD.hasRenameColumn() || OLD.hasDate32()).isFalse();
        assertThat(NEW.hasDateTime64() && NEW.hasIsDeleted() && NEW.hasRenameColumn() && NEW.hasDate32()).isTrue();
    }

    private static String type(TypeKind kind, String name, ServerVersion v) {
        return ClickHouseTypes.of(ColumnType.of(kind, name), v);
    }
}
