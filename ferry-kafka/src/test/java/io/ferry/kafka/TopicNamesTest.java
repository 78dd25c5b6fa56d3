package io.ferry.kafka;

import io.ferry.core.TableId;
import org.apache.kafka.common.internals.Topic;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TopicNamesTest {

    @Test
    void aPlainTableKeepsItsName() {
        assertThat(TopicNames.table("ferry", new TableId("public", "orders"))).isEqualTo("ferry.public.orders");
        assertThat(TopicNames.table("ferry", new TableId("Sales-2024", "Line_Items")))
                .isEqualTo("ferry.Sales-2024.Line_Items");
    }

    @Test
    void replacedCharactersAddAHashSoNamesNeverCollide() {
        String spaced = TopicNames.table("p", new TableId("a b", "t"));
        String underscored = TopicNames.table("p", new TableId("a_b", "t"));
        assertThat(underscored).isEqualTo("p.a_b.t");
        assertThat(spaced).startsWith("p.a_b.t_").hasSize("p.a_b.t_".length() + 8).isNotEqualTo(underscored);
        assertThat(Topic.isValid(spaced)).isTrue();
    }

    @Test
    void aDotInsideASchemaOrTableNameCannotForgeAnotherTable() {
        String dottedSchema = TopicNames.table("p", new TableId("a.b", "c"));
        String dottedTable = TopicNames.table("p", new TableId("a", "b.c"));
        String plain = TopicNames.table("p", new TableId("a", "b"));
        assertThat(dottedSchema).isNotEqualTo(dottedTable).startsWith("p.a_b.c_");
        assertThat(dottedTable).startsWith("p.a.b_c_");
        assertThat(plain).isEqualTo("p.a.b");
    }

    @Test
    void unicodeAndQuotesAreReplacedStably() {
        TableId t = new TableId("Sales \"Dept\"", "café ☕");
        String name = TopicNames.table("ferry", t);
        assertThat(name).isEqualTo(TopicNames.table("ferry", t)).matches("[a-zA-Z0-9._-]+");
        assertThat(name).isNotEqualTo(TopicNames.table("ferry", new TableId("Sales \"Dept\"", "café ☔")));
    }

    @Test
    void longNamesAreShortenedTo249CharactersWithAHash() {
        String longTable = "x".repeat(300);
        String name = TopicNames.table("ferry", new TableId("public", longTable));
        String other = TopicNames.table("ferry", new TableId("public", longTable + "y"));
        assertThat(name).hasSize(249).isNotEqualTo(other);
        assertThat(other).hasSize(249);
        assertThat(Topic.isValid(name)).isTrue();
        String exactly249 = "y".repeat(249 - "ferry.public.".length());
        assertThat(TopicNames.table("ferry", new TableId("public", exactly249))).isEqualTo("ferry.public." + exactly249);
    }

    @Test
    void internalTopicsHangOffThePrefix() {
        assertThat(TopicNames.offsets("ferry")).isEqualTo("ferry.ferry-offsets");
        assertThat(TopicNames.schemas("ferry")).isEqualTo("ferry.ferry-schemas");
        assertThat(TopicNames.offsets("my app")).startsWith("my_app.ferry-offsets_");
    }
}
