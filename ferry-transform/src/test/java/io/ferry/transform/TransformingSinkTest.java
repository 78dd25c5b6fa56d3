package io.ferry.transform;

import static io.ferry.transform.TestPipelines.ORDERS;
import static io.ferry.transform.TestPipelines.POSITION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Operation;
import io.ferry.core.Sink;
import io.ferry.core.TableSchema;
import io.ferry.core.schema.SchemaHistory;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TransformingSinkTest {

    /** Records what reaches the target; refuses the event whose id is {@code refuse}. */
    private static final class RecordingSink implements Sink {
        final List<TableSchema> ensured = new ArrayList<>();
        final List<List<ChangeEvent>> batches = new ArrayList<>();
        final List<List<OffsetUpdate>> offsets = new ArrayList<>();
        TableSchema earlier;
        long refuse = -1;

        public void ensureTable(TableSchema schema, SchemaHistory history) {
            ensured.add(schema);
            earlier = history.version(schema.table(), 1).orElse(null);
        }

        public Map<Integer, Long> storedOffsets(String topic) {
            return Map.of();
        }

        public void apply(List<ChangeEvent> events, List<OffsetUpdate> o) {
            for (int i = 0; i < events.size(); i++) {
                if (events.get(i).after() != null && events.get(i).after()[0].equals(refuse)) {
                    throw new RejectedChangeException(i, "refused", null);
                }
            }
            batches.add(events);
            offsets.add(o);
        }

        public void close() {
        }
    }

    private final RecordingSink target = new RecordingSink();
    private final TransformingSink sink = new TransformingSink(target, Transforms.apply(TestPipelines.parse("""
            sink:
              type: postgres
              database: d
              user: u
              transforms:
                - tables: public.orders_07
                  filter: "row.tenant != 'hidden'"
                  exclude: [note]
            """)));

    private static ChangeEvent insert(long id, String tenant) {
        return new ChangeEvent(Operation.CREATE, ORDERS, null,
                new Object[]{id, tenant, "e", BigDecimal.ONE, "n"}, POSITION, 1, 1);
    }

    @Test
    void targetGetsTheTransformedSchemaAndItsHistory() {
        sink.ensureTable(ORDERS.withVersion(2), (table, version) -> Optional.of(ORDERS));
        assertThat(target.ensured.get(0).columnNames()).containsExactly("id", "tenant", "email", "amount");
        assertThat(target.earlier.columnNames()).doesNotContain("note");
    }

    @Test
    void droppedEventsStillMoveTheOffsets() {
        List<Sink.OffsetUpdate> offsets = List.of(new Sink.OffsetUpdate("t", 0, 5, 7));
        sink.apply(List.of(insert(1, "hidden"), insert(2, "hidden")), offsets);
        assertThat(target.batches).containsExactly(List.of());
        assertThat(target.offsets).containsExactly(offsets);
    }

    @Test
    void aRefusedEventIsNamedByItsIndexInTheBatchTheApplierGave() {
        target.refuse = 3L;
        Sink.RejectedChangeException e = catchThrowableOfType(Sink.RejectedChangeException.class,
                () -> sink.apply(List.of(insert(1, "hidden"), insert(2, "acme"), insert(9, "hidden"), insert(3, "acme")),
                        List.of()));
        assertThat(e.index()).isEqualTo(3);
    }
}
