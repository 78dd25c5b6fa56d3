package io.ferry.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.core.FerryException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What a snapshot request's body may say, and the one line each malformed body gets. */
class SnapshotBodyTest {

    @Test
    void listsTheTablesInOrder() {
        assertThat(SnapshotBody.tables(bytes("{\"tables\": [\"public.b\", \"\\\"Sales Dept\\\".\\\"Order\\\"\"]}")))
                .containsExactly("public.b", "\"Sales Dept\".\"Order\"");
    }

    @Test
    void refusesWhatIsNotAListOfNames() {
        assertThatThrownBy(() -> SnapshotBody.tables(bytes(""))).isInstanceOf(FerryException.class)
                .hasMessageStartingWith("the request body is not a JSON object");
        assertThatThrownBy(() -> SnapshotBody.tables(bytes("{\"tables\": [\"a\"")))
                .isInstanceOf(FerryException.class).hasMessageStartingWith("the request body is not JSON");
        assertThatThrownBy(() -> SnapshotBody.tables(bytes("[\"public.b\"]")))
                .isInstanceOf(FerryException.class).hasMessageStartingWith("the request body is not a JSON object");
        assertThatThrownBy(() -> SnapshotBody.tables(bytes("{\"tables\": \"public.b\"}")))
                .isInstanceOf(FerryException.class).hasMessageStartingWith("the request body has no \"tables\" array");
        assertThatThrownBy(() -> SnapshotBody.tables(bytes("{\"tables\": []}")))
                .isInstanceOf(FerryException.class).hasMessageStartingWith("\"tables\" is empty");
        assertThatThrownBy(() -> SnapshotBody.tables(bytes("{\"tables\": [\"a\", 7]}")))
                .isInstanceOf(FerryException.class).hasMessageStartingWith("\"tables\" holds 7, which is not a table name")
                .hasMessageEndingWith("send {\"tables\": [\"schema.table\", ...]}");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
