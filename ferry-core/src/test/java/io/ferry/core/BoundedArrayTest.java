package io.ferry.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class BoundedArrayTest {

    @Test
    void anArrayWhoseLowerBoundsAreAllOneIsAPlainList() {
        assertThat(BoundedArray.of(List.of(1, 1), List.of(List.of(1)))).isEqualTo(List.of(List.of(1)));
        assertThat(BoundedArray.of(List.of(1, 0), List.of(List.of(1))))
                .isEqualTo(new BoundedArray(List.of(1, 0), List.of(List.of(1))));
        assertThatThrownBy(() -> new BoundedArray(List.of(1), List.of(1))).hasMessageContaining("plain list");
    }

    @Test
    void dimensionsAreWhatPostgresqlPrintsBeforeTheElements() {
        BoundedArray a = new BoundedArray(List.of(-2, 3), List.of(Arrays.asList(1, null), List.of(3, 4)));
        assertThat(a.dimensions()).isEqualTo("[-2:-1][3:4]");
        assertThat(a).hasToString("[-2:-1][3:4]=[[1, null], [3, 4]]");
        assertThat(new BoundedArray(List.of(0), Arrays.asList((Object) null)).dimensions()).isEqualTo("[0:0]");
    }

    @Test
    void aShapePostgresqlCannotHoldIsRefusedByName() {
        assertThatThrownBy(() -> new BoundedArray(List.of(0), List.of())).hasMessageContaining("dimension 1")
                .hasMessageContaining("empty");
        assertThatThrownBy(() -> new BoundedArray(List.of(0, 0), List.of(List.of(1), List.of(1, 2))))
                .hasMessageContaining("differ in length");
        assertThatThrownBy(() -> new BoundedArray(List.of(0, 0), List.of(1))).hasMessageContaining("nested lists");
        assertThatThrownBy(() -> new BoundedArray(List.of(2147483646), List.of(1, 2))).hasMessageContaining("ends past");
        assertThatThrownBy(() -> new BoundedArray(List.of(0, 0, 0, 0, 0, 0, 0), List.of(1)))
                .hasMessageContaining("1 to 6 lower bounds");
    }

    @Test
    void findLooksIntoNestedLists() {
        BoundedArray inner = new BoundedArray(List.of(0), List.of(1));
        assertThat(BoundedArray.find(List.of(List.of(2), inner))).isSameAs(inner);
        assertThat(BoundedArray.find(inner)).isSameAs(inner);
        assertThat(BoundedArray.find(List.of(List.of(1), List.of(2)))).isNull();
        assertThat(BoundedArray.find("[0:1]={1,2}")).isNull();
    }
}
