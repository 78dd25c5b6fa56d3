package io.ferry.mysql.sink;

import io.ferry.core.schema.SchemaHistory;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.core.Column;
import io.ferry.core.ColumnType;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.sink.jdbc.JdbcSink;
import io.ferry.mysql.MySqlTestServer.Flavor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

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

    /**
     * Every kind's portable type is one the server creates, and this is how the server then reports it: MariaDB
     * prints integer display widths and its json is a longtext with a validity check; MySQL 8 has neither.
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void everyPortableTypeIsAColumnTheServerCreates(Flavor flavor) {
        boolean mariadb = flavor == Flavor.MARIADB;
        Map<TypeKind, String> expected = new LinkedHashMap<>();
        expected.put(TypeKind.INT16, mariadb ? "smallint(6)" : "smallint");
        expected.put(TypeKind.INT32, mariadb ? "int(11)" : "int");
        expected.put(TypeKind.INT64, mariadb ? "bigint(20)" : "bigint");
        expected.put(TypeKind.DECIMAL, "longtext");
        expected.put(TypeKind.FLOAT32, "float");
        expected.put(TypeKind.FLOAT64, "double");
        expected.put(TypeKind.BOOLEAN, "tinyint(1)");
        expected.put(TypeKind.TEXT, "longtext");
        expected.put(TypeKind.BYTES, "longblob");
        expected.put(TypeKind.DATE, "date");
        expected.put(TypeKind.TIME, "time(6)");
        expected.put(TypeKind.DURATION, "time(6)");
        expected.put(TypeKind.TIMETZ, "varchar(40)");
        expected.put(TypeKind.TIMESTAMP, "datetime(6)");
        expected.put(TypeKind.TIMESTAMPTZ, "datetime(6)");
        expected.put(TypeKind.INTERVAL, "varchar(100)");
        expected.put(TypeKind.UUID, "char(36)");
        expected.put(TypeKind.JSON, mariadb ? "longtext" : "json");
        expected.put(TypeKind.ENUM, "longtext");
        expected.put(TypeKind.UNKNOWN, "longtext");
        expected.put(TypeKind.ARRAY, mariadb ? "longtext" : "json");
        assertThat(expected.keySet()).containsExactlyInAnyOrder(TypeKind.values());
        List<Column> columns = new ArrayList<>();
        columns.add(new Column("text key", ColumnType.of(TypeKind.TEXT, "text"), false));
        columns.add(new Column("bytes key", ColumnType.of(TypeKind.BYTES, "bytea"), false));
        for (TypeKind kind : expected.keySet()) {
            // A type name no source uses: the portable type.
            ColumnType type = kind == TypeKind.ARRAY ? ColumnType.arrayOf(ColumnType.of(TypeKind.INT32, "x"), "x[]")
                    : ColumnType.of(kind, "no such type");
            columns.add(new Column(kind.name(), type, true));
        }
        TargetDb target = new TargetDb(flavor);
        String database = target.freshDatabase();
        try (JdbcSink sink = new JdbcSink(target.config(database), new MySqlDialect())) {
            sink.ensureTable(new TableSchema(new TableId("source", "portable"), 1, columns,
                    List.of("text key", "bytes key")), SchemaHistory.NONE);
        }

        Map<String, String> created = new LinkedHashMap<>();
        target.query(database, "SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '"
                + database + "' AND TABLE_NAME = 'portable' ORDER BY ORDINAL_POSITION")
                .forEach(r -> created.put((String) r.get(0), (String) r.get(1)));
        Map<String, String> want = new LinkedHashMap<>();
        want.put("text key", "varchar(255)");
        want.put("bytes key", "varbinary(255)");
        expected.forEach((kind, type) -> want.put(kind.name(), type));
        assertThat(created).containsExactlyEntriesOf(want);
    }

    private static String type(TypeKind kind, String sourceName) {
        return TypeMapping.targetType(ColumnType.of(kind, sourceName));
    }
}
