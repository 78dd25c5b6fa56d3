package io.ferry.core.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.snapshot.ChunkSchedule.Range;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ChunkScheduleTest {

    /** A table of keys 1..rows, as a server would answer the boundary query. */
    private record Keys(String name, int rows) {

        String[] after(String[] after, int n) {
            int boundary = (after == null ? 0 : Integer.parseInt(after[0])) + n;
            return boundary <= rows ? new String[] {Integer.toString(boundary)} : null;
        }

        /** The keys of a range, as a reader would read them. */
        List<Integer> read(Range<Keys> r, int chunkRows) {
            int from = r.from() == null ? 0 : Integer.parseInt(r.from()[0]);
            int to = r.to() == null ? Math.min(rows, from + chunkRows) : Integer.parseInt(r.to()[0]);
            List<Integer> keys = new ArrayList<>();
            for (int k = from + 1; k <= to; k++) {
                keys.add(k);
            }
            return keys;
        }
    }

    private static final ChunkSchedule.Boundary<Keys> SERVER = (t, after, n) -> t.after(after, n);

    @Test
    void splitsAKeyedTableIntoRangesOfChunkRowsAndGivesAKeylessOneWhole() throws Exception {
        Keys big = new Keys("big", 25);
        Keys keyless = new Keys("keyless", 7);
        ChunkSchedule<Keys> schedule = new ChunkSchedule<>(10, 8);
        schedule.add(big, true, null);
        schedule.add(keyless, false, null);

        Range<Keys> first = schedule.take(SERVER);
        Range<Keys> second = schedule.take(SERVER);
        Range<Keys> tail = schedule.take(SERVER);
        assertThat(List.of(first, second, tail)).extracting(Range::seq).containsExactly(0L, 1L, 2L);
        assertThat(first.from()).isNull();
        assertThat(first.to()).containsExactly("10");
        assertThat(second.from()).containsExactly("10");
        assertThat(second.to()).containsExactly("20");
        assertThat(tail.from()).containsExactly("20");
        assertThat(tail.tail()).isTrue();
        // The tail is out: the next reader gets the keyless table, whole.
        Range<Keys> whole = schedule.take(SERVER);
        assertThat(whole.table()).isEqualTo(keyless);
        assertThat(whole.whole()).isTrue();
        schedule.tailRead(tail, false, null);
        assertThat(schedule.take(SERVER)).isNull();
    }

    @Test
    void aTailThatFilledUpGoesOnAfterItsLastKey() throws Exception {
        ChunkSchedule<Keys> schedule = new ChunkSchedule<>(10, 8);
        Keys t = new Keys("t", 5);
        schedule.add(t, true, new String[] {"2"});
        Range<Keys> tail = schedule.take(SERVER);
        assertThat(tail.from()).containsExactly("2");
        assertThat(tail.tail()).isTrue();
        // 10 rows came in meanwhile (a read of the rows as they are now): the table goes on after the 10th.
        schedule.tailRead(tail, true, new String[] {"40"});
        Range<Keys> next = schedule.take((table, after, n) -> null);
        assertThat(next.seq()).isEqualTo(1);
        assertThat(next.from()).containsExactly("40");
        assertThat(next.tail()).isTrue();
    }

    @Test
    void aReaderWaitsWhileTheWindowIsFullAndGoesOnOnceAChunkIsHandedOver() throws Exception {
        Keys t = new Keys("t", 100);
        ChunkSchedule<Keys> schedule = new ChunkSchedule<>(10, 2);
        schedule.add(t, true, null);
        schedule.take(SERVER);
        schedule.take(SERVER);
        AtomicReference<Thread> reader = new AtomicReference<>();
        CompletableFuture<Range<Keys>> third = CompletableFuture.supplyAsync(() -> {
            reader.set(Thread.currentThread());
            try {
                return schedule.take(SERVER);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> reader.get() != null
                && reader.get().getState() == Thread.State.WAITING);
        assertThat(third).isNotDone();
        schedule.handedOver(t);
        assertThat(third.get(5, TimeUnit.SECONDS).seq()).isEqualTo(2);
    }

    @Test
    void fourReadersOfOneTableHandEveryKeyOverOnceInKeyOrder() throws Exception {
        int chunkRows = 7;
        Keys t = new Keys("t", 1_000);
        ChunkSchedule<Keys> schedule = new ChunkSchedule<>(chunkRows, 8);
        schedule.add(t, true, null);
        record Read(long seq, List<Integer> keys, boolean last) {
        }
        BlockingQueue<Read> out = new ArrayBlockingQueue<>(8);
        List<Thread> readers = new ArrayList<>();
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 4; i++) {
            Thread reader = new Thread(() -> {
                try {
                    Range<Keys> r;
                    while ((r = schedule.take(SERVER)) != null) {
                        List<Integer> keys = t.read(r, chunkRows);
                        boolean last = r.tail() && keys.size() < chunkRows;
                        if (r.tail()) {
                            schedule.tailRead(r, !last, last ? null : new String[] {keys.get(keys.size() - 1).toString()});
                        }
                        out.put(new Read(r.seq(), keys, last));
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            readers.add(reader);
            reader.start();
        }
        ChunkOrder<Keys, Read> order = new ChunkOrder<>();
        List<Integer> handed = new ArrayList<>();
        int maxHeld = 0;
        boolean done = false;
        while (!done) {
            Read read = out.poll(10, TimeUnit.SECONDS);
            assertThat(read).as("a chunk within 10 s (failures: %s)", failures).isNotNull();
            for (Read r : order.arrived(t, read.seq(), read)) {
                handed.addAll(r.keys());
                schedule.handedOver(t);
                done = r.last();
            }
            maxHeld = Math.max(maxHeld, order.held());
        }
        for (Thread reader : readers) {
            reader.join(5_000);
        }
        assertThat(failures).isEmpty();
        List<Integer> expected = new ArrayList<>();
        for (int k = 1; k <= 1_000; k++) {
            expected.add(k);
        }
        assertThat(handed).isEqualTo(expected);
        assertThat(maxHeld).isLessThan(8);
    }

    @Test
    void readersAreAsManyAsTheEstimatedChunksAtMostTheParallelism() {
        assertThat(ChunkSchedule.readers(4, 100, List.of(150L, 1L))).isEqualTo(3);
        assertThat(ChunkSchedule.readers(4, 100, List.of(1_000_000L))).isEqualTo(4);
        assertThat(ChunkSchedule.readers(4, 100, List.of(0L))).isEqualTo(4);
        assertThat(ChunkSchedule.readers(4, 100, List.of())).isEqualTo(1);
    }
}
