package io.ferry.postgres.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.core.ColumnType;
import io.ferry.core.TypeKind;
import org.junit.jupiter.api.Test;

class TypeMappingTest {

    @Test
    void builtInPostgresTypesAreUsedVerbatim() {
        assertThat(map(TypeKind.DECIMAL, "numeric(38,10)")).isEqualTo("numeric(38,10)");
        assertThat(map(TypeKind.TIMESTAMPTZ, "timestamp(3) with time zone")).isEqualTo("timestamp(3) with time zone");
        assertThat(map(TypeKind.TEXT, "character varying(20)")).isEqualTo("character varying(20)");
        assertThat(map(TypeKind.INTERVAL, "interval day to second(3)")).isEqualTo("interval day to second(3)");
        assertThat(map(TypeKind.JSON, "jsonb")).isEqualTo("jsonb");
        assertThat(TypeMapping.targetType(ColumnType.arrayOf(ColumnType.of(TypeKind.INT32, "integer"), "integer[]")))
                .isEqualTo("integer[]");
    }

    @Test
    void enumsAndUnknownTypesBecomeText() {
        assertThat(map(TypeKind.ENUM, "\"Sales Dept\".mood")).isEqualTo("text");
        assertThat(map(TypeKind.UNKNOWN, "point")).isEqualTo("text");
        assertThat(TypeMapping.targetType(ColumnType.arrayOf(ColumnType.of(TypeKind.ENUM, "mood"), "mood[]")))
                .isEqualTo("text[]");
    }

    @Test
    void otherDatabasesTypeNamesGetTheKindsPortableType() {
        assertThat(map(TypeKind.TIMESTAMP, "datetime(6)")).isEqualTo("timestamp");
        assertThat(map(TypeKind.FLOAT64, "double")).isEqualTo("double precision");
        assertThat(map(TypeKind.INT64, "int unsigned")).isEqualTo("bigint");
        assertThat(map(TypeKind.TEXT, "longtext")).isEqualTo("text");
        assertThat(map(TypeKind.BYTES, "blob")).isEqualTo("bytea");
        assertThat(map(TypeKind.JSON, "json")).isEqualTo("json");
        assertThat(map(TypeKind.BOOLEAN, "tinyint(1)")).isEqualTo("boolean");
        // MySQL's char(n) has no trailing spaces to keep; a PostgreSQL character(n) would add them.
        assertThat(map(TypeKind.TEXT, "char(5)")).isEqualTo("varchar(5)");
        assertThat(map(TypeKind.TEXT, "character(5)")).isEqualTo("character(5)");
    }

    private static String map(TypeKind kind, String sourceName) {
        return TypeMapping.targetType(ColumnType.of(kind, sourceName));
    }
}
