package io.ferry.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ferry.core.SourceStatus;
import io.ferry.core.TableId;
import io.ferry.core.config.HttpConfig;
import io.ferry.kafka.TopicAdmin.PartitionHealth;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusTextTest {

    private final FakePipeline pipeline = new FakePipeline(HttpConfig.defaults());

    @Test
    void flagsUnderReplicatedPartitionsAndDrawsSnapshotBars() {
        List<PartitionHealth> partitions = List.of(
                new PartitionHealth("shop.public.orders", 0, 2, List.of(1, 2, 3), List.of(2, 3), 2, 120, 118, 100),
                new PartitionHealth("shop.public.orders", 1, 3, List.of(1, 2, 3), List.of(3), 2, 50, 50, 50));
        JsonNode status = document(partitions, 2L << 30);

        String text = StatusText.render(status);

        assertThat(text).contains("public.orders", "[#####...............]  25% 250/1,000 rows, 25 chunk(s) of 10")
                .containsPattern("shop.public.orders +0 +2 \\[2,3\\] +\\[1,2,3\\] +2 +120 +118 +18  UNDER-REPLICATED")
                .containsPattern("shop.public.orders +1 +3 \\[3\\] .* UNDER-MIN-ISR UNDER-REPLICATED")
                .contains("ALERT partition_under_min_isr: shop.public.orders-1 has 1 in-sync replica(s)")
                .contains("ALERT retained_log_over_limit: the source holds 2.0 GiB of log for this pipeline");
    }

    @Test
    void aHealthyPipelineHasNoAlerts() {
        JsonNode status = document(List.of(new PartitionHealth("shop.public.orders", 0, 1, List.of(1), List.of(1), 1,
                10, 10, 9)), 1024L);
        assertThat(StatusText.render(status)).contains("no alerts").doesNotContain("UNDER");
    }

    @Test
    void copiesWhileStreamingShowTheRunningOneAndTheQueue() {
        var n = (com.fasterxml.jackson.databind.node.ObjectNode) document(List.of(), 1024L);
        n.set("copies", StatusJson.copies(new SourceStatus("streaming", "", 0, List.of(), List.of(
                new SourceStatus.Copy(new TableId("public", "b"), true, 12_345),
                new SourceStatus.Copy(new TableId("public", "c"), false, 0)))));
        assertThat(n.path("copies").get(0).path("state").asText()).isEqualTo("running");
        assertThat(StatusText.render(n)).contains("copies while streaming\n")
                .containsPattern("public\\.b +running, 12,345 rows so far\n")
                .containsPattern("public\\.c +queued\n");
    }

    @Test
    void anApplyOnlyProcessNamesItsRoleAndThePartitionsItApplies() {
        var n = (com.fasterxml.jackson.databind.node.ObjectNode) document(List.of(), 1024L);
        n.put("role", "apply");
        n.putObject("capture").put("state", "elsewhere");
        var apply = n.putObject("apply");
        apply.put("state", "running");
        apply.putArray("partitions").add("shop.public.orders-0").add("shop.public.orders-3");

        assertThat(StatusText.render(n)).contains("pipeline shop: RUNNING (live, from ferry run --role apply)\n")
                .contains("  capture  elsewhere\n")
                .contains("  applies  shop.public.orders-0, shop.public.orders-3\n");
    }

    private JsonNode document(List<PartitionHealth> partitions, long retained) {
        var n = StatusJson.MAPPER.createObjectNode();
        n.put("name", "shop");
        n.put("state", "RUNNING");
        n.put("running", true);
        n.putObject("capture").put("state", "running");
        n.set("snapshot", StatusJson.snapshot(new SourceStatus("snapshot", "", 0,
                List.of(new SourceStatus.TableProgress(new TableId("public", "orders"), 250, 1000, false, 10, 25)))));
        n.set("source_log", StatusJson.sourceLog(pipeline.config(), retained));
        n.set("partitions", StatusJson.partitions(partitions, t -> true));
        n.set("conditions", StatusJson.conditions(pipeline.config(), partitions, retained, "running", null, 10, null,
                null));
        return n;
    }
}
