package io.ferry.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SnapshotProgressTest {

    @Test
    void encodesDoneAndInProgressTablesCompactlyAndReadsThemBack() {
        SnapshotProgress p = SnapshotProgress.EMPTY
                .after("shop.items", 30, 1, null, true)
                .after("shop.orders", 20_000, 2, new String[] {"7", "2024-01-01 10:00:00"}, false)
                .after("shop.log", 5_000, 1, null, false);

        assertThat(p.encode()).isEqualTo("+shop.items=30/1;shop.orders=20000/2,7,2024-01-01 10:00:00;shop.log=5000/1");
        assertThat(SnapshotProgress.decode(p.encode())).isEqualTo(p);
        assertThat(p.of("shop.orders")).isEqualTo(new SnapshotProgress.Table(20_000, 2, false,
                List.of("7", "2024-01-01 10:00:00")));
        assertThat(p.of("shop.none")).isNull();
    }

    @Test
    void separatorsInsideNamesAndKeysSurviveTheRoundTrip() {
        SnapshotProgress p = SnapshotProgress.EMPTY.after("d;b.t=a+b,c%", 10, 1, new String[] {"a,b;c=d+e%f", ""},
                false);

        assertThat(SnapshotProgress.decode(p.encode())).isEqualTo(p);
        assertThat(SnapshotProgress.decode(p.encode()).of("d;b.t=a+b,c%").lastKey()).containsExactly("a,b;c=d+e%f", "");
    }

    @Test
    void aChunkMakesANewValueAndLeavesTheOldOneAsItWas() {
        SnapshotProgress before = SnapshotProgress.EMPTY.after("db.t", 100, 1, new String[] {"100"}, false);
        SnapshotProgress after = before.after("db.t", 200, 2, new String[] {"200"}, false);
        SnapshotProgress done = after.after("db.t", 250, 3, new String[] {"250"}, true);

        assertThat(before.of("db.t").rows()).isEqualTo(100);
        assertThat(after.of("db.t").lastKey()).containsExactly("200");
        assertThat(done.of("db.t").done()).isTrue();
        assertThat(done.of("db.t").lastKey()).isNull();
        assertThat(done.restarted("db.t").of("db.t")).isEqualTo(new SnapshotProgress.Table(0, 0, false, null));
    }

    @Test
    void textFerryDidNotWriteIsRefusedInOneLine() {
        assertThatThrownBy(() -> SnapshotProgress.decode("db.t=ten/1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("snapshot progress \"db.t=ten/1\" is not what Ferry wrote");
    }
}
