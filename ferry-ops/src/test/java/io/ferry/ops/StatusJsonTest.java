package io.ferry.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ferry.core.config.HttpConfig;
import io.ferry.core.config.KafkaConfig;
import io.ferry.core.config.PipelineConfig;
import io.ferry.core.config.SinkConfig;
import io.ferry.core.config.SourceConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The alert conditions' thresholds come from the pipeline file. */
class StatusJsonTest {

    /** sink.max-lag as the parser reads it (PipelineConfigParserTest covers the key itself). */
    private static PipelineConfig withMaxLag(Duration maxLag) {
        SourceConfig source = new SourceConfig("postgres", "db", 5432, "shop", "ferry", null, List.of("t"),
                SourceConfig.SnapshotMode.INITIAL);
        return new PipelineConfig("shop", source, new KafkaConfig(null, "shop", Map.of(), "/tmp/none"),
                SinkConfig.none(), HttpConfig.defaults(), PipelineConfig.DEFAULT_MAX_RETAINED_WAL, maxLag, List.of(),
                List.of());
    }

    @Test
    void lagOverSinkMaxLagIsACondition() {
        PipelineConfig config = withMaxLag(Duration.ofSeconds(30));

        JsonNode over = StatusJson.conditions(config, List.of(), null, "running", "running", 45_000, null, null);
        assertThat(over).singleElement().satisfies(c -> {
            assertThat(c.path("name").asText()).isEqualTo("lag_over_threshold");
            assertThat(c.path("message").asText())
                    .isEqualTo("the target is 45 s behind the source, over sink.max-lag 30 s");
        });
        assertThat(StatusJson.conditions(config, List.of(), null, "running", "running", 29_000, null, null)).isEmpty();
    }

    @Test
    void withoutTheKeyTheThresholdIsFiveMinutes() {
        PipelineConfig config = withMaxLag(PipelineConfig.DEFAULT_MAX_LAG);

        assertThat(StatusJson.conditions(config, List.of(), null, "running", "running", 299_000, null, null)).isEmpty();
        assertThat(StatusJson.conditions(config, List.of(), null, "running", "running", 301_000, null, null).get(0)
                .path("message").asText()).endsWith("over sink.max-lag 300 s");
    }
}
