package io.ferry.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ferry.core.BoundedArray;
import io.ferry.core.ChangeEvent;
import io.ferry.core.Column;
import io.ferry.core.ColumnType;
import io.ferry.core.FerryException;
import io.ferry.core.Operation;
import io.ferry.core.SourcePosition;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EnvelopeTest {

    private static final ColumnType INT32 = ColumnType.of(TypeKind.INT32, "integer");
    private static final TableSchema EVERY_KIND = new TableSchema(new TableId("public", "every kind"), 7, List.of(
            new Column("id", INT32, false),
            new Column("i16", ColumnType.of(TypeKind.INT16, "smallint"), true),
            new Column("i64", ColumnType.of(TypeKind.INT64, "bigint"), true),
            new Column("dec", ColumnType.of(TypeKind.DECIMAL, "numeric(40,12)"), true),
            new Column("f32", ColumnType.of(TypeKind.FLOAT32, "real"), true),
            new Column("f64", ColumnType.of(TypeKind.FLOAT64, "double precision"), true),
            new Column("bool", ColumnType.of(TypeKind.BOOLEAN, "boolean"), true),
            new Column("text", ColumnType.of(TypeKind.TEXT, "text"), true),
            new Column("bytes", ColumnType.of(TypeKind.BYTES, "bytea"), true),
            new Column("date", ColumnType.of(TypeKind.DATE, "date"), true),
            new Column("time", ColumnType.of(TypeKind.TIME, "time(6)"), true),
            new Column("timetz", ColumnType.of(TypeKind.TIMETZ, "timetz"), true),
            new Column("ts", ColumnType.of(TypeKind.TIMESTAMP, "timestamp"), true),
            new Column("tstz", ColumnType.of(TypeKind.TIMESTAMPTZ, "timestamptz"), true),
            new Column("interval", ColumnType.of(TypeKind.INTERVAL, "interval"), true),
            new Column("uuid", ColumnType.of(TypeKind.UUID, "uuid"), true),
            new Column("json", ColumnType.of(TypeKind.JSON, "jsonb"), true),
            new Column("enum", ColumnType.of(TypeKind.ENUM, "\"Sales Dept\".mood"), true),
            new Column("ints", ColumnType.arrayOf(INT32, "integer[]"), true),
            new Column("texts", ColumnType.arrayOf(ColumnType.of(TypeKind.TEXT, "text"), "text[]"), true),
            new Column("decs", ColumnType.arrayOf(ColumnType.of(TypeKind.DECIMAL, "numeric"), "numeric[]"), true),
            new Column("blobs", ColumnType.arrayOf(ColumnType.of(TypeKind.BYTES, "bytea"), "bytea[]"), true),
            new Column("other", ColumnType.of(TypeKind.UNKNOWN, "point"), true)),
            List.of("id"));

    private final EnvelopeWriter writer = new EnvelopeWriter("postgresql", "pipe", "shop");
    private final EnvelopeReader reader = new EnvelopeReader();

    @Test
    void everyKindAndEdgeValueRoundTripsExactly() {
        List<Object[]> rows = List.of(
                row(1, Short.MIN_VALUE, Long.MIN_VALUE, new BigDecimal("1234567890123456789012345678.901234567890"),
                        1.1f, -0.0d, true, "héllo 😀 \"quoted\"\n\t\u0000 end", new byte[]{0, 0, -1, 127, 0},
                        LocalDate.of(-44, 3, 15), LocalTime.of(23, 59, 59, 999_999_000),
                        OffsetTime.of(10, 15, 30, 123_456_000, ZoneOffset.ofHoursMinutes(5, 30)),
                        LocalDateTime.of(1969, 12, 31, 23, 59, 59, 999_999_000),
                        Instant.parse("2024-01-02T03:04:05.123456Z"), "P1Y2M3DT4H5M6.000007S",
                        UUID.fromString("123e4567-e89b-12d3-a456-426614174000"), "{\"a\": [1, 2.50, null]}", "happy",
                        Arrays.asList(Arrays.asList(1, null), Arrays.asList(3, 4)),
                        Arrays.asList("a", null, "", "😀"), Arrays.asList(new BigDecimal("0.000"), null, "NaN"),
                        Arrays.asList(new byte[0], new byte[]{0}), "(1,2)"),
                row(2, Short.MAX_VALUE, Long.MAX_VALUE, "NaN", -0.0f, Double.NaN, false, "", new byte[0],
                        LocalDate.of(9999, 12, 31), LocalTime.MIDNIGHT, OffsetTime.of(0, 0, 0, 0, ZoneOffset.UTC),
                        LocalDateTime.of(-4713, 11, 24, 0, 0, 0, 1000), Instant.parse("-0044-03-15T12:00:00.000001Z"),
                        "PT0S", new UUID(0, 0), "null", "", List.of(), List.of(), List.of(), List.of(), ""),
                row(3, (short) 0, 0L, "-Infinity", Float.NaN, Double.POSITIVE_INFINITY, true, "x".repeat(10_000),
                        new byte[]{-128}, LocalDate.EPOCH, LocalTime.of(0, 0, 0, 1000),
                        OffsetTime.of(23, 59, 59, 999_999_000, ZoneOffset.ofHours(-8)),
                        LocalDateTime.of(2024, 2, 29, 12, 0), Instant.parse("+10000-01-01T00:00:00Z"),
                        "-P1D", UUID.randomUUID(), "[]", "sad",
                        Arrays.asList(null, Arrays.asList(Arrays.asList(1), Arrays.asList((Integer) null))),
                        Arrays.asList((String) null), List.of(new BigDecimal("-1E-30")), Arrays.asList((byte[]) null),
                        "x"),
                row(4, null, null, new BigDecimal("-0.5"), Float.MIN_VALUE, 0.1 + 0.2, null, null, null, null, null,
                        null, null, Instant.parse("1969-12-31T23:59:59.999999Z"), null, null, null, null, null, null,
                        null, null, null),
                row(5, null, null, "Infinity", Float.NEGATIVE_INFINITY, Double.MAX_VALUE, null, null, null, null, null,
                        null, null, Instant.ofEpochSecond(1, 123_456_789), null, null, null, null, null, null, null,
                        null, null),
                // PostgreSQL's infinity timestamps and 24:00:00.
                row(6, null, null, null, null, null, null, null, null, LocalDate.MAX, LocalTime.MAX, null,
                        LocalDateTime.MAX, Instant.MAX, null, null, null, null, null, null, null, null, null),
                row(7, null, null, null, null, null, null, null, null, LocalDate.MIN, null, null,
                        LocalDateTime.MIN, Instant.MIN, null, null, null, null, null, null, null, null, null),
                // PostgreSQL's last timestamp, whose microseconds since the epoch no long holds, and the one whose
                // microseconds are the infinity marker.
                row(8, null, null, null, null, null, null, null, null, null, null, null,
                        LocalDateTime.of(294276, 12, 31, 23, 59, 59, 999_999_000), null, null, null, null, null, null,
                        null, null, null, null),
                row(9, null, null, null, null, null, null, null, null, null, null, null,
                        LocalDateTime.of(294247, 1, 10, 4, 0, 54, 775_807_000), null, null, null, null, null, null,
                        null, null, null, null),
                row(10, null, null, null, null, null, null, null, null, null, null, null,
                        LocalDateTime.of(-290308, 12, 21, 19, 59, 5, 224_192_000), null, null, null, null, null, null,
                        null, null, null, null));
        for (Object[] after : rows) {
            ChangeEvent e = new ChangeEvent(Operation.UPDATE, EVERY_KIND, after, after, new TestPosition(1, 2), 9, 10);
            EnvelopeReader.Envelope read = reader.read(EVERY_KIND, writer.value(e, 7, 0));
            assertSameValues(read.after(), after);
            assertSameValues(read.before(), after);
            assertThat(read.op()).isEqualTo(Operation.UPDATE);
            assertThat(read.schemaVersion()).isEqualTo(7);
            Object[] key = reader.readKey(EVERY_KIND, writer.key(e));
            assertThat(key[0]).isEqualTo(after[0]);
            assertThat(Arrays.stream(key).skip(1)).allMatch(v -> v == ChangeEvent.UNCHANGED);
        }
    }

    @Test
    void theEnvelopeIsDebeziumShaped() {
        TableSchema orders = new TableSchema(new TableId("public", "orders"), 1, List.of(
                new Column("id", INT32, false),
                new Column("note", ColumnType.of(TypeKind.TEXT, "text"), true),
                new Column("amount", ColumnType.of(TypeKind.DECIMAL, "numeric(10,2)"), true)), List.of("id"));
        ChangeEvent e = new ChangeEvent(Operation.UPDATE, orders, null,
                new Object[]{1, ChangeEvent.UNCHANGED, new BigDecimal("12.50")}, new TestPosition(100, 2), 77,
                1_704_164_645_123_456L);

        assertThat(new String(writer.value(e, 3, 1_704_164_646_000L), StandardCharsets.UTF_8)).isEqualTo(
                "{\"before\":null,\"after\":{\"id\":1,\"amount\":\"12.50\"},\"source\":{\"version\":\""
                        + EnvelopeWriter.FERRY_VERSION + "\",\"connector\":\"postgresql\",\"name\":\"pipe\","
                        + "\"ts_ms\":1704164645123,\"ts_us\":1704164645123456,\"snapshot\":\"false\",\"db\":\"shop\","
                        + "\"schema\":\"public\",\"table\":\"orders\",\"schema_version\":3,\"lsn\":100,\"index\":2},"
                        + "\"op\":\"u\",\"ts_ms\":1704164646000,\"unchanged\":[\"note\"]}");
        assertThat(new String(writer.key(e), StandardCharsets.UTF_8)).isEqualTo("{\"id\":1}");
        assertThat(EnvelopeWriter.FERRY_VERSION).isNotEqualTo("unknown");
    }

    /**
     * Byte for byte what the writer produced before the constant source fields were pre-encoded (27cec79), with names
     * that need escapes, snapshot and streamed events, and two tables taking turns.
     */
    @Test
    void preEncodedSourceFieldsAreTheBytesTheGeneratorWrote() {
        ColumnType text = ColumnType.of(TypeKind.TEXT, "text");
        TableSchema odd = new TableSchema(new TableId("we\"ird", "t\u00e9\tb"), 1, List.of(new Column("id", INT32, false),
                new Column("n\"ote", text, true)), List.of("id"));
        TableSchema orders = new TableSchema(new TableId("public", "orders"), 2, List.of(new Column("id", INT32, false)),
                List.of("id"));
        EnvelopeWriter w = new EnvelopeWriter("postgres\"ql", "pi\u20acpe", "sh\\op");
        SourcePosition at = out -> {
            out.put("lsn", 99);
            out.put("in_snapshot", true);
            out.put("snapshot_table", "we\"ird.t\u00e9");
        };
        Object[] oddRow = {7, "x\"y\u0001"};
        List<String> written = new ArrayList<>();
        for (ChangeEvent e : List.of(new ChangeEvent(Operation.READ, odd, null, oddRow, at, 5, 1_704_164_645_123_456L),
                new ChangeEvent(Operation.CREATE, orders, null, new Object[]{8}, at, 5, 1_704_164_645_123_456L),
                new ChangeEvent(Operation.DELETE, odd, oddRow, null, at, 5, 1_704_164_645_123_456L),
                new ChangeEvent(Operation.READ, orders, null, new Object[]{8}, at, 5, 1_704_164_645_123_456L))) {
            written.add(new String(w.value(e, 4, 1_704_164_646_000L), StandardCharsets.UTF_8));
        }

        assertThat(written).containsExactly(
                "{\"before\":null,\"after\":{\"id\":7,\"n\\\"ote\":\"x\\\"y\\u0001\"}"
                        + ",\"source\":{\"version\":\"" + EnvelopeWriter.FERRY_VERSION + "\",\"connector\":\"postgres\\\"ql\",\"name\":\"pi\u20acpe\",\"ts_ms\":1704164645123"
                        + ",\"ts_us\":1704164645123456,\"snapshot\":\"true\",\"db\":\"sh\\\\op\""
                        + ",\"schema\":\"we\\\"ird\",\"table\":\"t\u00e9\\tb\",\"schema_version\":4,\"lsn\":99,\"in_snapshot\":true,\"snapshot_table\":\"we\\\"ird.t\u00e9\"}"
                        + ",\"op\":\"r\",\"ts_ms\":1704164646000}",
                "{\"before\":null,\"after\":{\"id\":8}"
                        + ",\"source\":{\"version\":\"" + EnvelopeWriter.FERRY_VERSION + "\",\"connector\":\"postgres\\\"ql\",\"name\":\"pi\u20acpe\",\"ts_ms\":1704164645123"
                        + ",\"ts_us\":1704164645123456,\"snapshot\":\"false\",\"db\":\"sh\\\\op\""
                        + ",\"schema\":\"public\",\"table\":\"orders\",\"schema_version\":4,\"lsn\":99,\"in_snapshot\":true,\"snapshot_table\":\"we\\\"ird.t\u00e9\"}"
                        + ",\"op\":\"c\",\"ts_ms\":1704164646000}",
                "{\"before\":{\"id\":7,\"n\\\"ote\":\"x\\\"y\\u0001\"},\"after\":null"
                        + ",\"source\":{\"version\":\"" + EnvelopeWriter.FERRY_VERSION + "\",\"connector\":\"postgres\\\"ql\",\"name\":\"pi\u20acpe\",\"ts_ms\":1704164645123"
                        + ",\"ts_us\":1704164645123456,\"snapshot\":\"false\",\"db\":\"sh\\\\op\""
                        + ",\"schema\":\"we\\\"ird\",\"table\":\"t\u00e9\\tb\",\"schema_version\":4,\"lsn\":99,\"in_snapshot\":true,\"snapshot_table\":\"we\\\"ird.t\u00e9\"}"
                        + ",\"op\":\"d\",\"ts_ms\":1704164646000}",
                "{\"before\":null,\"after\":{\"id\":8}"
                        + ",\"source\":{\"version\":\"" + EnvelopeWriter.FERRY_VERSION + "\",\"connector\":\"postgres\\\"ql\",\"name\":\"pi\u20acpe\",\"ts_ms\":1704164645123"
                        + ",\"ts_us\":1704164645123456,\"snapshot\":\"true\",\"db\":\"sh\\\\op\""
                        + ",\"schema\":\"public\",\"table\":\"orders\",\"schema_version\":4,\"lsn\":99,\"in_snapshot\":true,\"snapshot_table\":\"we\\\"ird.t\u00e9\"}"
                        + ",\"op\":\"r\",\"ts_ms\":1704164646000}");
    }

    /**
     * Every operation, snapshot reads included, keys and values, byte for byte as the writer before the pre-encoded
     * source fields wrote them (3575326, generated by running that writer on {@link #everyOp()}), and read back.
     * Positions name fields with constants and with names built at run time (the writer keys encoded names by identity).
     */
    @Test
    void everyOperationIsWrittenAsThePreviousWriterDidAndReadsBack() throws Exception {
        List<String> previous;
        try (var in = EnvelopeTest.class.getResourceAsStream("envelopes-3575326.txt")) {
            previous = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .map(l -> l.replace("@VERSION@", EnvelopeWriter.FERRY_VERSION)).toList();
        }
        List<ChangeEvent> events = everyOp();
        assertThat(previous).hasSize(2 * events.size());
        EnvelopeWriter w = previousWriterSettings();
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < events.size(); i++) {
            ChangeEvent e = events.get(i);
            byte[] key = w.key(e);
            byte[] value = w.value(e, 3, 1_704_164_646_000L);
            assertThat(key == null ? "null" : new String(key, StandardCharsets.UTF_8)).as("key %d", i)
                    .isEqualTo(previous.get(2 * i));
            assertThat(new String(value, StandardCharsets.UTF_8)).as("value %d", i).isEqualTo(previous.get(2 * i + 1));

            EnvelopeReader.Envelope read = reader.read(e.schema(), value);
            assertThat(read.op()).as("op %d", i).isEqualTo(e.op());
            assertThat(read.schemaVersion()).isEqualTo(3);
            assertThat(read.commitMicros()).isEqualTo(e.commitMicros());
            if (e.before() != null) {
                assertSameValues(read.before(), e.before());
            } else {
                assertThat(read.before()).isNull();
            }
            if (e.after() != null) {
                assertSameValues(read.after(), e.after());
            } else {
                assertThat(read.after()).isNull();
            }
            if (key != null) {
                assertThat(reader.readKey(e.schema(), key)[0]).isEqualTo(e.keyImage()[0]);
            }
            assertThat(json.readTree(value).at("/source/snapshot").asText())
                    .isEqualTo(e.op() == Operation.READ ? "true" : "false");
        }
    }

    /**
     * The record header repeats the op, schema version and commit time of the source block, and a read that trusts
     * it (stopping after the row images) gives every operation's rows exactly as reading the whole envelope does.
     */
    @Test
    void aReadThatTrustsTheHeaderStopsAfterTheRowsAndGivesTheSameEvent() {
        EnvelopeWriter w = previousWriterSettings();
        for (ChangeEvent e : everyOp()) {
            byte[] value = w.value(e, 3, 1_704_164_646_000L).clone();
            RecordHeaders headers = new RecordHeaders();
            headers.add(new EnvelopeHeader(e.op(), 3, e.commitMicros()).toHeader());
            EnvelopeHeader known = EnvelopeHeader.of(headers);
            assertThat(known).isEqualTo(new EnvelopeHeader(e.op(), 3, e.commitMicros()));

            EnvelopeReader.Envelope whole = reader.read(e.schema(), value);
            EnvelopeReader.Envelope trusting = reader.read(e.schema(), ByteBuffer.wrap(value), known);
            assertThat(trusting.op()).isEqualTo(whole.op()).isEqualTo(e.op());
            assertThat(trusting.schemaVersion()).isEqualTo(whole.schemaVersion());
            assertThat(trusting.commitMicros()).isEqualTo(whole.commitMicros());
            for (Object[][] pair : List.of(new Object[][]{trusting.before(), whole.before()},
                    new Object[][]{trusting.after(), whole.after()})) {
                if (pair[1] == null) {
                    assertThat(pair[0]).isNull();
                } else {
                    assertSameValues(pair[0], pair[1]);
                }
            }
        }
        assertThat(EnvelopeHeader.of(new RecordHeaders())).isNull();
        RecordHeaders other = new RecordHeaders();
        other.add(EnvelopeHeader.KEY, new byte[]{'c', 0, 0, 0, 3}); // another layout: read the envelope whole
        assertThat(EnvelopeHeader.of(other)).isNull();
    }

    static EnvelopeWriter previousWriterSettings() {
        return new EnvelopeWriter("postgresql", "orders-pipe", "shop");
    }

    /** Snapshot reads, then streamed inserts, updates, deletes and a truncate, over one table of every kind. */
    static List<ChangeEvent> everyOp() {
        Object[] full = row(1, (short) -3, 9_000_000_000L, new BigDecimal("12345.678900"), 1.5f, -2.25d, true,
                "héllo \"q\"\n😀", new byte[]{0, -1, 7}, LocalDate.of(2024, 2, 29), LocalTime.of(23, 59, 59, 999_999_000),
                OffsetTime.of(10, 15, 30, 0, ZoneOffset.ofHoursMinutes(5, 30)), LocalDateTime.of(1999, 12, 31, 23, 59),
                Instant.parse("2026-12-01T09:47:32.123456Z"), "P1DT2H", UUID.fromString("123e4567-e89b-12d3-a456-426614174000"),
                "{\"a\": [1, 2.50]}", "happy", Arrays.asList(Arrays.asList(1, null), Arrays.asList(3, 4)),
                Arrays.asList("a", null, ""), Arrays.asList(new BigDecimal("0.000"), "NaN"), List.of(new byte[]{1}), "(1,2)");
        Object[] sparse = row(2, null, null, new BigDecimal("-0.5"), null, null, false, "", null, null, null, null, null,
                Instant.parse("1969-12-31T23:59:59.999999Z"), null, null, null, null, null, null, null, null, null);
        Object[] unchangedText = sparse.clone();
        unchangedText[0] = 1;
        unchangedText[7] = ChangeEvent.UNCHANGED;
        SourcePosition snapshot = out -> {
            out.put("lsn", 4_096L);
            out.put("snapshot_table", "public.every kind");
            out.put("in_snapshot", true);
        };
        SourcePosition built = out -> {
            out.put(new String("ls") + "n", 8_192L);
            out.put(String.valueOf(new char[]{'i', 'n', 'd', 'e', 'x'}), 3L);
        };
        long micros = 1_704_164_645_123_456L;
        return List.of(
                new ChangeEvent(Operation.READ, EVERY_KIND, null, full, snapshot, 1, micros),
                new ChangeEvent(Operation.READ, EVERY_KIND, null, sparse, snapshot, 1, micros),
                new ChangeEvent(Operation.CREATE, EVERY_KIND, null, full, new TestPosition(5_000, 0), 2, micros + 1),
                new ChangeEvent(Operation.UPDATE, EVERY_KIND, full, sparse, new TestPosition(5_000, 1), 2, micros + 1),
                new ChangeEvent(Operation.UPDATE, EVERY_KIND, null, unchangedText, built, 3, micros + 2),
                new ChangeEvent(Operation.DELETE, EVERY_KIND, sparse, null, built, 3, micros + 2),
                new ChangeEvent(Operation.READ, EVERY_KIND, null, full, snapshot, 4, micros + 3),
                new ChangeEvent(Operation.TRUNCATE, EVERY_KIND, null, null, new TestPosition(6_000, 0), 5, micros + 4));
    }

    @Test
    void valuesAreEncodedAsDebeziumDoes() throws Exception {
        ChangeEvent e = new ChangeEvent(Operation.READ, EVERY_KIND, null, row(1, (short) 1, 2L,
                new BigDecimal("1E+3"), 1.1f, 2.5, true, "t", new byte[]{1, 2, 3}, LocalDate.of(1970, 1, 2),
                LocalTime.of(0, 0, 1, 5000), OffsetTime.of(10, 15, 30, 123_456_000, ZoneOffset.ofHoursMinutes(5, 30)),
                LocalDateTime.of(1970, 1, 1, 0, 0, 1), Instant.parse("2024-01-02T03:04:05.123456Z"), "P1D",
                new UUID(0, 1), "{\"a\":1}", "happy", Arrays.asList(Arrays.asList(1, null)), List.of("x"),
                List.of("NaN"), List.of(new byte[]{0}), "(1,2)"), new TestPosition(1, 1), -1, 0);
        JsonNode json = new ObjectMapper().readTree(writer.value(e, 1, 0));
        JsonNode after = json.get("after");
        assertThat(json.get("op").asText()).isEqualTo("r");
        assertThat(json.get("source").get("snapshot").asText()).isEqualTo("true");
        assertThat(after.get("dec").textValue()).isEqualTo("1000");
        assertThat(after.get("f32").toString()).isEqualTo("1.1");
        assertThat(after.get("bytes").textValue()).isEqualTo("AQID");
        assertThat(after.get("date").intValue()).isEqualTo(1);
        assertThat(after.get("time").longValue()).isEqualTo(1_000_005L);
        assertThat(after.get("timetz").textValue()).isEqualTo("10:15:30.123456+05:30");
        assertThat(after.get("ts").longValue()).isEqualTo(1_000_000L);
        assertThat(after.get("tstz").textValue()).isEqualTo("2024-01-02T03:04:05.123456Z");
        assertThat(after.get("json").textValue()).isEqualTo("{\"a\":1}");
        assertThat(after.get("ints").toString()).isEqualTo("[[1,null]]");
        assertThat(after.get("blobs").toString()).isEqualTo("[\"AA==\"]");
        assertThat(json.has("unchanged")).isFalse();
    }

    @Test
    void anArrayWithOtherLowerBoundsTravelsAsAnObjectAndReadsBackWithThem() throws Exception {
        Object[] after = row(1, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, new BoundedArray(List.of(-2, 3), List.of(Arrays.asList(1, null), List.of(3, 4))),
                new BoundedArray(List.of(0), Arrays.asList("a,b", null, "", "😀")),
                new BoundedArray(List.of(2147483646), List.of(new BigDecimal("-1E-30"))),
                List.of(new byte[]{1}), null);
        ChangeEvent e = new ChangeEvent(Operation.CREATE, EVERY_KIND, null, after, new TestPosition(1, 1), 1, 1);
        byte[] value = writer.value(e, 1, 0);
        JsonNode json = new ObjectMapper().readTree(value).get("after");
        assertThat(json.get("ints").toString())
                .isEqualTo("{\"lower_bounds\":[-2,3],\"elements\":[[1,null],[3,4]]}");
        assertThat(json.get("texts").toString())
                .isEqualTo("{\"lower_bounds\":[0],\"elements\":[\"a,b\",null,\"\",\"😀\"]}");
        // A plain (1-based) array stays a plain JSON array.
        assertThat(json.get("blobs").toString()).isEqualTo("[\"AQ==\"]");

        Object[] read = reader.read(EVERY_KIND, value).after();
        assertThat(read[18]).isEqualTo(after[18]);
        assertThat(read[19]).isEqualTo(after[19]);
        assertThat(read[20]).isEqualTo(after[20]);
        assertThat(((BoundedArray) read[18]).dimensions()).isEqualTo("[-2:-1][3:4]");
        assertThat(comparable(read[21])).isEqualTo(comparable(after[21]));
    }

    @Test
    void anArrayObjectIsReadInEitherFieldOrderAndABadOneIsNamed() {
        String plain = "{\"after\":{\"id\":1,\"ints\":{\"elements\":[7],\"lower_bounds\":[1]}},\"op\":\"c\"}";
        assertThat(reader.read(EVERY_KIND, plain.getBytes(StandardCharsets.UTF_8)).after()[18]).isEqualTo(List.of(7));
        String reversed = "{\"after\":{\"id\":1,\"ints\":{\"elements\":[7,8],\"lower_bounds\":[0]}},\"op\":\"c\"}";
        assertThat(reader.read(EVERY_KIND, reversed.getBytes(StandardCharsets.UTF_8)).after()[18])
                .isEqualTo(new BoundedArray(List.of(0), List.of(7, 8)));
        for (String[] bad : new String[][]{
                {"{\"lower_bounds\":[0]}", "needs both"},
                {"{\"lower_bounds\":[0,0],\"elements\":[1,2]}", "2 levels of nested lists"},
                {"{\"lower_bounds\":[0],\"elements\":[]}", "dimension 1 of an array with lower bounds is empty"},
                {"{\"lower_bounds\":[\"x\"],\"elements\":[1]}", "holds integers"},
                {"{\"upper\":[0],\"elements\":[1]}", "found \"upper\""},
                {"{\"lower_bounds\":[2147483647],\"elements\":[1]}", "ends past 2147483646"}}) {
            String envelope = "{\"after\":{\"id\":1,\"ints\":" + bad[0] + "},\"op\":\"c\"}";
            assertThatThrownBy(() -> reader.read(EVERY_KIND, envelope.getBytes(StandardCharsets.UTF_8)))
                    .as(bad[0]).isInstanceOf(FerryException.class).hasMessageContaining(bad[1]);
        }
    }

    @Test
    void oneReaderReadsEnvelopesWhoseFieldsComeInAnyOrderAndFromABufferInPlace() {
        // Ferry's order first (the reader learns its source block), then a Debezium-like envelope with the top-level
        // fields, the source fields and the columns in other orders and fields Ferry does not write, then Ferry's again.
        ChangeEvent e = new ChangeEvent(Operation.CREATE, EVERY_KIND, null, row(3, null, null, null, null, null, null,
                "x", null, null, null, null, null, null, null, null, null, null, null, null, null, null, null),
                new TestPosition(1, 2), 9, 1_704_164_645_123_456L);
        byte[] ferry = writer.value(e, 7, 0);
        String other = "{\"op\":\"u\",\"transaction\":null,\"source\":{\"ts_ms\":1704164645123,\"lsn\":\"7\","
                + "\"schema_version\":7,\"xmin\":{\"nested\":[1]},\"connector\":\"postgresql\"},"
                + "\"after\":{\"text\":\"y\",\"id\":4},\"before\":{\"id\":4},\"ts_us\":1}";
        for (int round = 0; round < 2; round++) {
            EnvelopeReader.Envelope a = reader.read(EVERY_KIND, ferry);
            assertThat(a.op()).isEqualTo(Operation.CREATE);
            assertThat(a.after()[0]).isEqualTo(3);
            assertThat(a.after()[7]).isEqualTo("x");
            assertThat(a.schemaVersion()).isEqualTo(7);
            assertThat(a.commitMicros()).isEqualTo(1_704_164_645_123_456L);
            EnvelopeReader.Envelope b = reader.read(EVERY_KIND, other.getBytes(StandardCharsets.UTF_8));
            assertThat(b.op()).isEqualTo(Operation.UPDATE);
            assertThat(b.after()[0]).isEqualTo(4);
            assertThat(b.after()[7]).isEqualTo("y");
            assertThat(b.after()[1]).isSameAs(ChangeEvent.UNCHANGED);
            assertThat(b.before()[0]).isEqualTo(4);
            assertThat(b.schemaVersion()).isEqualTo(7);
            assertThat(b.commitMicros()).isEqualTo(1_704_164_645_123_000L);
        }
        // A buffer's remaining bytes are read in place, and its position stays.
        ByteBuffer framed = ByteBuffer.allocate(ferry.length + 10);
        framed.position(5);
        framed.put(ferry);
        framed.position(5).limit(5 + ferry.length);
        ByteBuffer slice = framed.slice();
        assertThat(reader.read(EVERY_KIND, slice).after()[7]).isEqualTo("x");
        assertThat(EnvelopeReader.schemaVersion(slice)).isEqualTo(7);
        assertThat(slice.position()).isZero();
        assertThatThrownBy(() -> reader.read(EVERY_KIND, (ByteBuffer) null)).isInstanceOf(FerryException.class)
                .hasMessageContaining("tombstone");
        String unknown = "{\"after\":{\"id\":1,\"nope\":2},\"op\":\"c\"}";
        assertThatThrownBy(() -> reader.read(EVERY_KIND, unknown.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(FerryException.class).hasMessageContaining("column nope is not in version 7");
    }

    @Test
    void aTruncateHasNoKeyAndNoRows() {
        ChangeEvent t = new ChangeEvent(Operation.TRUNCATE, EVERY_KIND, null, null, new TestPosition(5, 0), 3, 4);
        assertThat(writer.key(t)).isNull();
        EnvelopeReader.Envelope read = reader.read(EVERY_KIND, writer.value(t, 2, 0));
        assertThat(read.op()).isEqualTo(Operation.TRUNCATE);
        assertThat(read.before()).isNull();
        assertThat(read.after()).isNull();
        assertThat(EnvelopeReader.schemaVersion(writer.value(t, 2, 0))).isEqualTo(2);
    }

    @Test
    void anUnchangedValueIsAbsentNeverNull() {
        Object[] after = row(1, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null);
        after[7] = ChangeEvent.UNCHANGED;
        ChangeEvent e = new ChangeEvent(Operation.UPDATE, EVERY_KIND, null, after, new TestPosition(1, 1), 1, 1);
        byte[] value = writer.value(e, 1, 0);
        assertThat(new String(value, StandardCharsets.UTF_8)).doesNotContain("\"text\":").contains("\"unchanged\":[\"text\"]");
        Object[] read = reader.read(EVERY_KIND, value).after();
        assertThat(read[7]).isSameAs(ChangeEvent.UNCHANGED);
        assertThat(read[1]).isNull();
    }

    @Test
    void aValueOfTheWrongClassNamesTheColumnAndTheWriterStaysUsable() {
        Object[] bad = row(1, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null);
        bad[2] = 5;
        ChangeEvent e = new ChangeEvent(Operation.CREATE, EVERY_KIND, null, bad, new TestPosition(1, 1), 1, 1);
        assertThatThrownBy(() -> writer.value(e, 1, 0)).isInstanceOf(FerryException.class)
                .hasMessageContaining("column i64 of public.every kind");
        bad[2] = 5L;
        assertThat(reader.read(EVERY_KIND, writer.value(e, 1, 0)).after()[2]).isEqualTo(5L);
    }

    private static Object[] row(Object... values) {
        return values;
    }

    private static void assertSameValues(Object[] actual, Object[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            String column = EVERY_KIND.columns().get(i).name();
            assertThat(comparable(actual[i])).as(column).isEqualTo(comparable(expected[i]));
            if (expected[i] != null && !(expected[i] instanceof List)) {
                assertThat(actual[i]).as(column).hasSameClassAs(expected[i]);
            }
        }
    }

    /** byte[] compares by identity; lists of them too. */
    private static Object comparable(Object v) {
        if (v instanceof byte[] b) {
            return ByteBuffer.wrap(b);
        }
        if (v instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            list.forEach(x -> out.add(comparable(x)));
            return out;
        }
        return v;
    }
}
