package io.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.core.SourceStatus;
import io.ferry.core.SourceStatus.TableProgress;
import io.ferry.core.TableId;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusLineTest {

    private static final long NOW = 1_700_000_000_000_000L;

    @Test
    void showsBothHalvesThroughputLagAndSnapshotProgress() {
        SourceStatus source = new SourceStatus("snapshot", "0/16B3748", NOW - 1_500_000, List.of(
                new TableProgress(new TableId("public", "orders"), 45_000, 100_000, false),
                new TableProgress(new TableId("public", "customers"), 10_000, 10_000, true)));

        String line = new StatusLine("shop", "running", "applying", List.of(), 12_345.6, 1_000_000, 990_000,
                NOW - 1_500_000, source).format(NOW);

        assertThat(line).isEqualTo("[shop] capture running | apply applying | 12,346 ev/s | captured 1,000,000"
                + " | applied 990,000 | lag 1.5s | snapshot public.orders 45% (45,000/100,000) public.customers done");
    }

    @Test
    void anApplyOnlyProcessShowsThePartitionsItAppliesAndNoCaptureCounters() {
        String line = new StatusLine("shop", Role.ELSEWHERE, "running", List.of(), 2_000, 0, 1_234, NOW - 500_000,
                null, List.of("shop.public.orders-0", "shop.public.orders-3")).format(NOW);

        assertThat(line).isEqualTo("[shop] capture elsewhere | apply running | 2,000 ev/s | applied 1,234"
                + " | partitions shop.public.orders-0,shop.public.orders-3 | lag 0.5s");
    }

    @Test
    void callsAQuietSourceIdleInsteadOfLagging() {
        String line = new StatusLine("shop", "running", null, List.of(), 0, 10, 0, NOW - 42_000_000L,
                new SourceStatus("streaming", "", NOW, List.of())).format(NOW);

        assertThat(line).isEqualTo("[shop] capture running | 0 ev/s | captured 10 | idle, last change 42s ago");
    }

    @Test
    void namesEachPartThatIsDownAfterTheHalves() {
        String line = new StatusLine("shop", "waiting", "waiting",
                List.of("waiting for Kafka at k1:9092: connection refused, retry in 8 s (down 35 s)"), 0, 10, 10, 0,
                new SourceStatus("streaming", "", 0, List.of())).format(NOW);

        assertThat(line).isEqualTo("[shop] capture waiting | apply waiting | waiting for Kafka at k1:9092: connection"
                + " refused, retry in 8 s (down 35 s) | 0 ev/s | captured 10 | applied 10");
    }

    @Test
    void showsTheTablesCopiedOnRequest() {
        String line = new StatusLine("shop", "running", null, List.of(), 0, 10, 0, 0,
                new SourceStatus("streaming", "", 0, List.of(), List.of(
                        new SourceStatus.Copy(new TableId("public", "b"), true, 12_000),
                        new SourceStatus.Copy(new TableId("public", "c"), false, 0)))).format(NOW);

        assertThat(line).isEqualTo("[shop] capture running | 0 ev/s | captured 10 | copying public.b 12,000 rows"
                + " public.c queued");
    }
}
