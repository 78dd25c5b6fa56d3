package io.ferry.iceberg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.core.TableId;
import io.ferry.core.config.ConfigException;
import io.ferry.core.config.PipelineConfig;
import io.ferry.core.config.PipelineConfigParser;
import io.ferry.core.connector.Connector;
import io.ferry.core.connector.Connectors;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The Iceberg sink's keys are checked by the pipeline parser, which names the line of a bad one. */
class IcebergOptionsTest {

    /** A source kind for the file to name; parsing never connects. */
    private static final Connector SOURCE = new Connector() {
        public String type() {
            return "postgres";
        }

        public int defaultPort() {
            return 5432;
        }

        public boolean capturesChanges() {
            return true;
        }
    };

    private static final String HEAD = "name: lake\nsource:\n  type: postgres\n  database: shop\n  user: u\n"
            + "  tables: [public.orders]\n";

    @Test
    void anIcebergSinkNeedsOnlyAWarehouseAndTakesPerTablePartitioning() {
        PipelineConfig c = parse(HEAD + "sink:\n  type: iceberg\n  warehouse: hdfs://nn:8020/lake\n"
                + "  commit-interval: 500ms\n  partition-by:\n    public.orders: bucket(16, id)\n");

        IcebergSettings s = IcebergSettings.of(c.sink());
        assertThat(s.warehouse()).isEqualTo("hdfs://nn:8020/lake");
        assertThat(s.commitInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(s.commitRows()).isEqualTo(100_000);
        assertThat(s.partitionBy(new TableId("public", "orders"))).isEqualTo("bucket(16, id)");
        assertThat(s.partitionBy(new TableId("public", "other"))).isNull();
        assertThat(s.namespace()).isEqualTo("public");
    }

    @Test
    void aMissingWarehouseAndABadIntervalAreNamedByLine() {
        assertThatThrownBy(() -> parse(HEAD + "sink:\n  type: iceberg\n  commit-interval: 10 parsecs\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("warehouse")
                .hasMessageContaining(":9:").hasMessageContaining("commit-interval");
    }

    @Test
    void aPartitionTermThatDoesNotParseIsNamed() {
        assertThatThrownBy(() -> parse(HEAD + "sink:\n  type: iceberg\n  warehouse: /tmp/lake\n"
                + "  partition-by:\n    orders: bucket(id)\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("partition-by");
    }

    @Test
    void aPlainPathIsALocalWarehouse() {
        assertThat(IcebergSettings.location("lake")).startsWith("file:/").matches(".*/lake/?");
    }

    private static PipelineConfig parse(String yaml) {
        return new PipelineConfigParser(k -> null, Connectors.of(SOURCE, new IcebergConnector()))
                .parse(yaml, "lake.yaml");
    }
}
