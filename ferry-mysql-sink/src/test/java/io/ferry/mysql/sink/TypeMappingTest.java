package io.ferry.mysql.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.core.ColumnType;
import io.ferry.core.TypeKind;
import org.junit.jupiter.api.Test;

class TypeMappingTest {

    @Test
    void mySqlSpellingsOfTheKindAreKeptVerbatim() {
        assertThat(type(TypeKind.DECIMAL, "decimal(65,30)")).isEqualTo("decimal(65,30)");
        assertThat(type(TypeKind.DECIMAL, "bigint unsigned")).isEqualTo("bigint unsigned");
        assertThat(type(TypeKind.INT64, "int(10) unsigned")).isEqualTo("int(10) unsigned");
        assertThat(type(TypeKind.INT16, "year")).isEqualTo("year");
        assertThat(type(TypeKind.ENUM, "enum('a','b)')")).isEqualTo("enum('a','b)')");
        assertThat(type(TypeKind.TEXT, "set('x','y')")).isEqualTo("set('x','y')");
        assertThat(type(TypeKind.BYTES, "bit(8)")).isEqualTo("bit(8)");
        assertThat(type(TypeKind.TIMESTAMP, "datetime(3)")).isEqualTo("datetime(3)");
        assertThat(type(TypeKind.TIMESTAMPTZ, "timestamp(6)")).isEqualTo("timestamp(6)");
    }

    @Test
    void otherSourcesGetThePortableType() {
        assertThat(type(TypeKind.DECIMAL, "numeric(10,2)")).isEqualTo("numeric(10,2)");
        assertThat(type(TypeKind.DECIMAL, "numeric")).isEqualTo("longtext");
        assertThat(type(TypeKind.DECIMAL, "numeric(70,2)")).isEqualTo("longtext");
        assertThat(type(TypeKind.DECIMAL, "numeric(20,31)")).isEqualTo("longtext");
        assertThat(type(TypeKind.FLOAT32, "real")).isEqualTo("float");
        assertThat(type(TypeKind.TEXT, "text")).isEqualTo("longtext");
        assertThat(type(TypeKind.TEXT, "character(5)")).isEqualTo("varchar(5)");
        assertThat(type(TypeKind.TIMESTAMP, "timestamp without time zone")).isEqualTo("datetime(6)");
        assertThat(type(TypeKind.TIMESTAMPTZ, "timestamp with time zone")).isEqualTo("datetime(6)");
        assertThat(type(TypeKind.TIMETZ, "time with time zone")).isEqualTo("varchar(40)");
        assertThat(type(TypeKind.UUID, "uuid")).isEqualTo("char(36)");
        assertThat(type(TypeKind.ENUM, "mood")).isEqualTo("longtext");
        assertThat(TypeMapping.targetType(ColumnType.arrayOf(ColumnType.of(TypeKind.INT32, "integer"), "integer[]")))
                .isEqualTo("json");
    }

    @Test
    void unboundedTextAndBytesKeysGetAnIndexableType() {
        assertThat(TypeMapping.targetType(ColumnType.of(TypeKind.TEXT, "text"), true)).isEqualTo("varchar(255)");
        assertThat(TypeMapping.targetType(ColumnType.of(TypeKind.BYTES, "bytea"), true)).isEqualTo("varbinary(255)");
        assertThat(TypeMapping.targetType(ColumnType.of(TypeKind.TEXT, "varchar(40)"), true)).isEqualTo("varchar(40)");
    }

    private static String type(TypeKind kind, String sourceName) {
        return TypeMapping.targetType(ColumnType.of(kind, sourceName));
    }
}
