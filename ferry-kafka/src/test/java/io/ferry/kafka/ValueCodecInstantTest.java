package io.ferry.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DateTimeException;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-read timestamptz form agrees with {@code Instant.parse} on every text, valid or not. */
class ValueCodecInstantTest {

    @Test
    void everyFormTheWriterProducesAndOthersReadAsInstantParseReadsThem() {
        List<String> texts = List.of("2024-01-02T03:04:05.123456Z", "2024-01-02T03:04:05Z", "1970-01-01T00:00:00.000000Z",
                "1969-12-31T23:59:59.999999Z", "0000-01-01T00:00:00.5Z", "9999-12-31T23:59:59.999999999Z",
                "2024-02-29T12:00:00.1Z", "1999-12-31T23:59:60Z", "+10000-01-01T00:00:00Z", "-0044-03-15T12:00:00.000001Z",
                "2024-01-02T03:04:05+01:00");
        for (String t : texts) {
            assertThat(ValueCodec.instant(t)).as(t).isEqualTo(Instant.parse(t));
        }
        Random random = new Random(11);
        for (int i = 0; i < 10_000; i++) {
            Instant t = Instant.ofEpochSecond(random.nextLong(-62_000_000_000L, 253_000_000_000L),
                    random.nextInt(1_000_000) * 1000L);
            assertThat(ValueCodec.instant(t.toString())).isEqualTo(t);
        }
    }

    @Test
    void oddTextsAreRefusedOrReadExactlyAsInstantParseDoes() {
        for (String odd : List.of("2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-01-01T24:00:00Z",
                "2024-01-01T00:60:00Z", "2024-01-01T00:00:00.Z", "2024-01-0xT00:00:00Z", "2024-01-01T00:00:00.1234567890Z",
                "2024-01-01T00:00:00.-1Z")) {
            Object expected;
            try {
                expected = Instant.parse(odd);
            } catch (DateTimeException e) {
                assertThatThrownBy(() -> ValueCodec.instant(odd)).as(odd).isInstanceOf(DateTimeException.class);
                continue;
            }
            assertThat(ValueCodec.instant(odd)).as(odd).isEqualTo(expected);
        }
    }
}
