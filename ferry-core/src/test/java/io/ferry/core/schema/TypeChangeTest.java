package io.ferry.core.schema;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.core.ColumnType;
import io.ferry.core.TypeKind;
import org.junit.jupiter.api.Test;

class TypeChangeTest {

    private static ColumnType t(TypeKind kind, String name) {
        return ColumnType.of(kind, name);
    }

    private static TypeChange change(ColumnType from, ColumnType to) {
        return TypeChange.of(from, to);
    }

    @Test
    void longerVarcharWidensAndShorterNarrows() {
        ColumnType v50 = t(TypeKind.TEXT, "character varying(50)");
        ColumnType v200 = t(TypeKind.TEXT, "character varying(200)");

        assertThat(change(v50, v200)).isEqualTo(TypeChange.WIDENING);
        assertThat(change(v200, v50)).isEqualTo(TypeChange.NARROWING);
        assertThat(change(t(TypeKind.TEXT, "varchar(50)"), t(TypeKind.TEXT, "varchar(200)")))
                .isEqualTo(TypeChange.WIDENING);
    }

    @Test
    void integersWidenToLargerIntegersAndToDecimalsWithRoom() {
        assertThat(change(t(TypeKind.INT32, "integer"), t(TypeKind.INT64, "bigint"))).isEqualTo(TypeChange.WIDENING);
        assertThat(change(t(TypeKind.INT64, "bigint"), t(TypeKind.INT32, "integer")))
                .isEqualTo(TypeChange.NARROWING);
        assertThat(change(t(TypeKind.INT32, "int"), t(TypeKind.DECIMAL, "decimal(12,2)")))
                .isEqualTo(TypeChange.WIDENING);
        assertThat(change(t(TypeKind.INT64, "bigint"), t(TypeKind.DECIMAL, "decimal(12,2)")))
                .isEqualTo(TypeChange.INCOMPATIBLE);
    }

    @Test
    void anUnsignedIntegerWidensByItsKindWhichIsAlreadyTheNextSignedOne() {
        assertThat(change(t(TypeKind.INT64, "int unsigned"), t(TypeKind.INT64, "bigint")))
                .isEqualTo(TypeChange.WIDENING);
        assertThat(change(t(TypeKind.INT32, "smallint unsigned"), t(TypeKind.INT32, "int")))
                .isEqualTo(TypeChange.WIDENING);
    }

    @Test
    void decimalsWidenWhenNeitherIntegerDigitsNorScaleShrink() {
        ColumnType d102 = t(TypeKind.DECIMAL, "numeric(10,2)");

        assertThat(change(d102, t(TypeKind.DECIMAL, "numeric(14,4)"))).isEqualTo(TypeChange.WIDENING);
        assertThat(change(d102, t(TypeKind.DECIMAL, "numeric"))).isEqualTo(TypeChange.WIDENING);
        assertThat(change(d102, t(TypeKind.DECIMAL, "numeric(10,4)"))).isEqualTo(TypeChange.INCOMPATIBLE);
        assertThat(change(t(TypeKind.DECIMAL, "numeric(14,4)"), d102)).isEqualTo(TypeChange.NARROWING);
    }

    @Test
    void floatWidensToDoubleAndAnythingToUnboundedText() {
        assertThat(change(t(TypeKind.FLOAT32, "real"), t(TypeKind.FLOAT64, "double precision")))
                .isEqualTo(TypeChange.WIDENING);
        assertThat(change(t(TypeKind.DATE, "date"), t(TypeKind.TEXT, "text"))).isEqualTo(TypeChange.WIDENING);
        assertThat(change(t(TypeKind.INT32, "int"), t(TypeKind.TEXT, "longtext"))).isEqualTo(TypeChange.WIDENING);
        assertThat(change(t(TypeKind.TEXT, "text"), t(TypeKind.INT32, "integer")))
                .isEqualTo(TypeChange.NARROWING);
        assertThat(change(t(TypeKind.DATE, "date"), t(TypeKind.INT32, "integer")))
                .isEqualTo(TypeChange.INCOMPATIBLE);
    }

    @Test
    void fixedWidthCharWidensToVarcharButNotBack() {
        assertThat(change(t(TypeKind.TEXT, "character(5)"), t(TypeKind.TEXT, "character varying(10)")))
                .isEqualTo(TypeChange.WIDENING);
        assertThat(change(t(TypeKind.TEXT, "character varying(5)"), t(TypeKind.TEXT, "character(10)")))
                .isEqualTo(TypeChange.INCOMPATIBLE);
    }

    @Test
    void anEnumGainingALabelWidensAndLosingOneNarrows() {
        ColumnType abc = t(TypeKind.ENUM, "enum('a','b','c')");
        ColumnType abcd = t(TypeKind.ENUM, "enum('a','b','c','d')");

        assertThat(change(abc, abcd)).isEqualTo(TypeChange.WIDENING);
        assertThat(change(abcd, abc)).isEqualTo(TypeChange.NARROWING);
        assertThat(change(abc, t(TypeKind.ENUM, "enum('a','x')"))).isEqualTo(TypeChange.INCOMPATIBLE);
        assertThat(change(t(TypeKind.ENUM, "enum('it''s')"), t(TypeKind.ENUM, "enum('it''s','b')")))
                .isEqualTo(TypeChange.WIDENING);
    }

    @Test
    void finerTimestampsWiden() {
        assertThat(change(t(TypeKind.TIMESTAMP, "datetime(3)"), t(TypeKind.TIMESTAMP, "datetime(6)")))
                .isEqualTo(TypeChange.WIDENING);
        assertThat(change(t(TypeKind.TIMESTAMP, "datetime(6)"), t(TypeKind.TIMESTAMP, "datetime(3)")))
                .isEqualTo(TypeChange.NARROWING);
    }
}
