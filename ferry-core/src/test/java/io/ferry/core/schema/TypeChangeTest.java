package io.ferry.core.schema;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.core.ColumnType;
import io.ferry.core.TypeKind;
import org.junit.jupiter.api.Test;

class TypeChangeTest {

    @Test
    void aBoundedVarcharWidensAndNarrowsByItsLength() {
        assertThat(TypeChange.of(text("varchar(50)"), text("varchar(200)"))).isEqualTo(TypeChange.WIDENING);
        assertThat(TypeChange.of(text("varchar(200)"), text("varchar(50)"))).isEqualTo(TypeChange.NARROWING);
        assertThat(TypeChange.of(text("character varying(200)"), text("character varying(50)")))
                .isEqualTo(TypeChange.NARROWING);
        assertThat(TypeChange.of(text("varchar(200)"), text("text"))).isEqualTo(TypeChange.WIDENING);
    }

    private static ColumnType text(String name) {
        return ColumnType.of(TypeKind.TEXT, name);
    }
}
