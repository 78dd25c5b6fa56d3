package io.ferry.core.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ChunkOrderTest {

    @Test
    void holdsAnEarlyChunkUntilThoseBeforeItArrivedPerTable() {
        ChunkOrder<String, String> order = new ChunkOrder<>();
        assertThat(order.arrived("a", 2, "a2")).isEmpty();
        assertThat(order.arrived("a", 1, "a1")).isEmpty();
        assertThat(order.arrived("b", 0, "b0")).containsExactly("b0");
        assertThat(order.held()).isEqualTo(2);
        assertThat(order.arrived("a", 0, "a0")).containsExactly("a0", "a1", "a2");
        assertThat(order.held()).isZero();
        assertThat(order.arrived("a", 4, "a4")).isEmpty();
        assertThat(order.arrived("a", 3, "a3")).containsExactly("a3", "a4");
    }

    @Test
    void aChunkArrivingTwiceIsAnError() {
        ChunkOrder<String, String> order = new ChunkOrder<>();
        order.arrived("a", 0, "a0");
        assertThatThrownBy(() -> order.arrived("a", 0, "again")).hasMessage("chunk 0 of a arrived twice");
    }
}
