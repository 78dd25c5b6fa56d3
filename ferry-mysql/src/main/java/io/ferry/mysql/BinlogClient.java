package io.ferry.mysql;

import com.github.shyiko.mysql.binlog.BinaryLogClient;
import com.github.shyiko.mysql.binlog.event.Event;
import com.github.shyiko.mysql.binlog.event.EventType;
import com.github.shyiko.mysql.binlog.event.TableMapEventData;
import com.github.shyiko.mysql.binlog.event.deserialization.DeleteRowsEventDataDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.EventDataDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.EventDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.EventHeaderV4Deserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.FormatDescriptionEventDataDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.GtidEventDataDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.MariadbGtidEventDataDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.NullEventDataDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.QueryEventDataDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.RotateEventDataDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.TableMapEventDataDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.UpdateRowsEventDataDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.WriteRowsEventDataDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.XidEventDataDeserializer;
import com.github.shyiko.mysql.binlog.io.ByteArrayInputStream;
import io.ferry.core.config.SourceConfig;
import java.io.IOException;
import java.io.Serializable;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The binlog connection: {@link BinaryLogClient} reads on its own thread and puts events into a bounded queue
 * (blocking when it is full, which is the back-pressure), from which the capture thread takes them. Failures of
 * the connection arrive through the same queue as {@link Failure}s, so order is kept.
 *
 * <p>Row cells decode with dates and times as epoch microseconds and strings as bytes; TIME values are signed
 * microseconds over their whole ±838:59:59.999999 range and BIT values stay big-endian bytes (the library's
 * defaults lose both).
 */
final class BinlogClient implements AutoCloseable {

    /** The connection failed or closed; {@code error} says why. */
    record Failure(Exception error) {
    }

    static final int QUEUE_EVENTS = 1_000;
    private static final long HEARTBEAT_MILLIS = 1_000;

    private final BinaryLogClient client;
    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(QUEUE_EVENTS);
    private volatile boolean closing;

    /** Streams from {@code file:pos}. */
    static BinlogClient at(SourceConfig config, long serverId, String file, long pos) {
        BinlogClient c = new BinlogClient(config, serverId);
        c.client.setBinlogFilename(file);
        c.client.setBinlogPosition(pos);
        return c;
    }

    /** Streams every transaction outside {@code gtids}, wherever the server's binlog holds it. */
    static BinlogClient afterGtids(SourceConfig config, long serverId, String gtids) {
        BinlogClient c = new BinlogClient(config, serverId);
        c.client.setGtidSet(gtids);
        c.client.setBinlogFilename("");
        c.client.setBinlogPosition(4);
        return c;
    }

    private BinlogClient(SourceConfig config, long serverId) {
        client = new BinaryLogClient(config.host(), config.port(), config.user(),
                config.password() == null ? null : config.password().reveal());
        client.setServerId(serverId);
        client.setKeepAlive(false);
        // An idle server names how far it has sent: a copy's high watermark is reached also when no transaction
        // follows (a start by GTID set skips the transactions before it without sending them).
        client.setHeartbeatInterval(HEARTBEAT_MILLIS);
        client.setEventDeserializer(deserializer());
        client.registerEventListener(event -> {
            try {
                queue.put(event);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        client.registerLifecycleListener(new BinaryLogClient.AbstractLifecycleListener() {
            @Override
            public void onCommunicationFailure(BinaryLogClient c, Exception ex) {
                fail(ex);
            }

            @Override
            public void onEventDeserializationFailure(BinaryLogClient c, Exception ex) {
                fail(ex);
            }

            @Override
            public void onDisconnect(BinaryLogClient c) {
                if (!closing) {
                    fail(new IOException("the server closed the binlog connection"));
                }
            }
        });
    }

    private void fail(Exception ex) {
        try {
            queue.put(new Failure(ex));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void connect(long timeoutMillis) throws IOException, TimeoutException {
        client.connect(timeoutMillis);
    }

    /** The next {@link Event} or {@link Failure}, or {@code null} after {@code millis} without one. */
    Object poll(long millis) throws InterruptedException {
        return queue.poll(millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        closing = true;
        try {
            client.disconnect();
        } catch (IOException ignored) {
            // the connection is going away either way
        }
        queue.clear();
    }

    private static EventDeserializer deserializer() {
        Map<Long, TableMapEventData> tableMaps = new HashMap<>();
        Map<EventType, EventDataDeserializer> d = new IdentityHashMap<>();
        d.put(EventType.FORMAT_DESCRIPTION, new FormatDescriptionEventDataDeserializer());
        d.put(EventType.ROTATE, new RotateEventDataDeserializer());
        d.put(EventType.QUERY, new QueryEventDataDeserializer());
        d.put(EventType.TABLE_MAP, new TableMapEventDataDeserializer());
        d.put(EventType.XID, new XidEventDataDeserializer());
        d.put(EventType.GTID, new GtidEventDataDeserializer());
        d.put(EventType.MARIADB_GTID, new MariadbGtidEventDataDeserializer());
        d.put(EventType.WRITE_ROWS, new Write(tableMaps));
        d.put(EventType.EXT_WRITE_ROWS, new Write(tableMaps).setMayContainExtraInformation(true));
        d.put(EventType.UPDATE_ROWS, new Update(tableMaps));
        d.put(EventType.EXT_UPDATE_ROWS, new Update(tableMaps).setMayContainExtraInformation(true));
        d.put(EventType.DELETE_ROWS, new Delete(tableMaps));
        d.put(EventType.EXT_DELETE_ROWS, new Delete(tableMaps).setMayContainExtraInformation(true));
        EventDeserializer deserializer = new EventDeserializer(new EventHeaderV4Deserializer(),
                new NullEventDataDeserializer(), d, tableMaps);
        deserializer.setCompatibilityMode(EnumSet.of(EventDeserializer.CompatibilityMode.DATE_AND_TIME_AS_LONG_MICRO,
                EventDeserializer.CompatibilityMode.CHAR_AND_BINARY_AS_BYTE_ARRAY));
        return deserializer;
    }

    /** TIME2 as signed microseconds (MySQL's {@code my_time_packed_from_binary}). */
    static long timeMicros(int fsp, ByteArrayInputStream in) throws IOException {
        long intPart = bigEndian(in.read(3)) - 0x800000L;
        long packed;
        switch (fsp) {
            case 1, 2 -> {
                long frac = (byte) in.read();
                if (intPart < 0 && frac != 0) {
                    intPart++;
                    frac -= 0x100;
                }
                packed = (intPart << 24) + frac * 10_000;
            }
            case 3, 4 -> {
                long frac = (short) bigEndian(in.read(2));
                if (intPart < 0 && frac != 0) {
                    intPart++;
                    frac -= 0x10000;
                }
                packed = (intPart << 24) + frac * 100;
            }
            case 5, 6 -> {
                long frac = bigEndian(in.read(3));
                packed = ((intPart + 0x800000L) << 24 | frac) - (0x800000L << 24);
            }
            default -> packed = intPart << 24;
        }
        long abs = Math.abs(packed);
        long hms = abs >> 24;
        long hours = (hms >> 12) & 0x3FF;
        long minutes = (hms >> 6) & 0x3F;
        long seconds = hms & 0x3F;
        long micros = ((hours * 60 + minutes) * 60 + seconds) * 1_000_000L + (abs & 0xFFFFFF);
        return packed < 0 ? -micros : micros;
    }

    /**
     * The pre-5.6 TIME format (tables created before the server wrote TIME2) as signed microseconds: a signed
     * little-endian {@code ±HHHMMSS} in three bytes.
     */
    static long oldTimeMicros(ByteArrayInputStream in) throws IOException {
        int v = in.readInteger(3);
        v = (v << 8) >> 8;
        int abs = Math.abs(v);
        long micros = ((abs / 10000) * 3600L + (abs / 100 % 100) * 60L + abs % 100) * 1_000_000L;
        return v < 0 ? -micros : micros;
    }

    /**
     * DATE and DATETIME fields as epoch milliseconds in the proleptic Gregorian calendar MySQL uses. The library's
     * own conversion goes through {@link java.util.Calendar}, which switches to the Julian calendar before
     * 1582-10-15 and so moves {@code 1000-01-01} to {@code 1000-01-06}, and refuses year 0. Null for a zero month
     * or day (a zero date), which the library then gives as null.
     */
    static Long gregorianMillis(int year, int month, int day, int hour, int minute, int second, int millis) {
        if (month == 0 || day == 0) {
            return null;
        }
        try {
            return java.time.LocalDateTime.of(year, month, day, hour, minute, second)
                    .toEpochSecond(java.time.ZoneOffset.UTC) * 1000L + millis;
        } catch (java.time.DateTimeException e) {
            return null;
        }
    }

    static byte[] bits(int meta, ByteArrayInputStream in) throws IOException {
        int bits = (meta >> 8) * 8 + (meta & 0xFF);
        return in.read((bits + 7) / 8);
    }

    private static long bigEndian(byte[] b) {
        long v = 0;
        for (byte x : b) {
            v = (v << 8) | (x & 0xFF);
        }
        return v;
    }

    // The library decodes values in three unrelated deserializer classes (write, update, delete rows), so the
    // same three overrides appear three times; each delegates to the shared static helpers above.
    private static final class Write extends WriteRowsEventDataDeserializer {
        Write(Map<Long, TableMapEventData> tableMaps) {
            super(tableMaps);
        }

        @Override
        protected Serializable deserializeTimeV2(int meta, ByteArrayInputStream in) throws IOException {
            return timeMicros(meta, in);
        }

        @Override
        protected Serializable deserializeTime(ByteArrayInputStream in) throws IOException {
            return oldTimeMicros(in);
        }

        @Override
        protected Serializable deserializeBit(int meta, ByteArrayInputStream in) throws IOException {
            return bits(meta, in);
        }

        @Override
        protected Long asUnixTime(int year, int month, int day, int hour, int minute, int second, int millis) {
            Long gregorian = gregorianMillis(year, month, day, hour, minute, second, millis);
            return gregorian != null ? gregorian : super.asUnixTime(year, month, day, hour, minute, second, millis);
        }
    }

    private static final class Update extends UpdateRowsEventDataDeserializer {
        Update(Map<Long, TableMapEventData> tableMaps) {
            super(tableMaps);
        }

        @Override
        protected Serializable deserializeTimeV2(int meta, ByteArrayInputStream in) throws IOException {
            return timeMicros(meta, in);
        }

        @Override
        protected Serializable deserializeTime(ByteArrayInputStream in) throws IOException {
            return oldTimeMicros(in);
        }

        @Override
        protected Serializable deserializeBit(int meta, ByteArrayInputStream in) throws IOException {
            return bits(meta, in);
        }

        @Override
        protected Long asUnixTime(int year, int month, int day, int hour, int minute, int second, int millis) {
            Long gregorian = gregorianMillis(year, month, day, hour, minute, second, millis);
            return gregorian != null ? gregorian : super.asUnixTime(year, month, day, hour, minute, second, millis);
        }
    }

    private static final class Delete extends DeleteRowsEventDataDeserializer {
        Delete(Map<Long, TableMapEventData> tableMaps) {
            super(tableMaps);
        }

        @Override
        protected Serializable deserializeTimeV2(int meta, ByteArrayInputStream in) throws IOException {
            return timeMicros(meta, in);
        }

        @Override
        protected Serializable deserializeTime(ByteArrayInputStream in) throws IOException {
            return oldTimeMicros(in);
        }

        @Override
        protected Serializable deserializeBit(int meta, ByteArrayInputStream in) throws IOException {
            return bits(meta, in);
        }

        @Override
        protected Long asUnixTime(int year, int month, int day, int hour, int minute, int second, int millis) {
            Long gregorian = gregorianMillis(year, month, day, hour, minute, second, millis);
            return gregorian != null ? gregorian : super.asUnixTime(year, month, day, hour, minute, second, millis);
        }
    }
}
