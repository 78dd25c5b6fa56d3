package io.ferry.transform;

import io.ferry.core.Column;
import io.ferry.core.ColumnType;
import io.ferry.core.SourcePosition;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.core.config.PipelineConfig;
import io.ferry.core.config.PipelineConfigParser;
import io.ferry.core.connector.Connector;
import io.ferry.core.connector.Connectors;
import java.util.List;

/** Pipeline files with transforms, read by the real parser, and a table to run them on. */
final class TestPipelines {

    static final String HEAD = """
            name: shop
            source:
              type: postgres
              database: shop
              user: ferry
              tables: ["public.*"]
            """;

    /** public.orders_07 (id int8 key, tenant text, email text, amount numeric(10,2), note text). */
    static final TableSchema ORDERS = new TableSchema(new TableId("public", "orders_07"), 1, List.of(
            new Column("id", ColumnType.of(TypeKind.INT64, "bigint"), false, 1),
            new Column("tenant", ColumnType.of(TypeKind.TEXT, "text"), true, 2),
            new Column("email", ColumnType.of(TypeKind.TEXT, "text"), true, 3),
            new Column("amount", ColumnType.of(TypeKind.DECIMAL, "numeric(10,2)"), true, 4),
            new Column("note", ColumnType.of(TypeKind.TEXT, "text"), true, 5)), List.of("id"));

    static final SourcePosition POSITION = out -> out.put("lsn", 42L);

    private static final Connector POSTGRES = new Connector() {
        public String type() {
            return "postgres";
        }

        public int defaultPort() {
            return 5432;
        }

        public boolean capturesChanges() {
            return true;
        }

        public boolean appliesChanges() {
            return true;
        }
    };

    private TestPipelines() {
    }

    static PipelineConfig parse(String yaml) {
        return new PipelineConfigParser(name -> name.equals("SALT") ? "pepper" : null, Connectors.of(POSTGRES))
                .parse(HEAD + yaml, "pipeline.yaml");
    }
}
