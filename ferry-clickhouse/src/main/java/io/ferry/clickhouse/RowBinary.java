package io.ferry.clickhouse;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code RowBinary} insert body: each cell is the value's {@link CellText} text, converted by the target column's
 * ClickHouse type into that type's binary form. Binary because 18.16 parses floats in text imprecisely ({@code
 * 3.857142857142857} arrives as {@code 3.8571428571428568}), while its binary Float64 is the IEEE value itself.
 * Java's shortest float text parses back to the same double, so the text step loses nothing.
 */
final class RowBinary extends ByteArrayOutputStream implements CellOut {

    private static final Pattern DECIMAL = Pattern.compile("Decimal\\((\\d+), *(\\d+)\\)");
    private static final Pattern DATETIME64 = Pattern.compile("DateTime64\\((\\d+).*\\)");

    private String type;
    /** The column is Nullable and its cell not yet started: a value writes the not-null marker first. */
    private boolean nullable;

    RowBinary() {
        super(1 << 16);
    }

    /** The next cell is of this column type (with {@code Nullable(...)} when it is). */
    void column(String columnType) {
        nullable = columnType.startsWith("Nullable(");
        type = nullable ? columnType.substring(9, columnType.length() - 1) : columnType;
    }

    /** A NULL in a {@code Nullable} column. */
    void nullCell() {
        write(1);
        nullable = false;
    }

    private void startValue() {
        if (nullable) {
            write(0);
            nullable = false;
        }
    }

    @Override
    public void plain(String text) {
        text(text);
    }

    @Override
    public void text(String text) {
        if (type.equals("String")) {
            bytes(text.getBytes(StandardCharsets.UTF_8));
            return;
        }
        startValue();
        switch (type) {
            case "Int8", "UInt8" -> littleEndian(Long.parseLong(text), 1);
            case "Int16", "UInt16" -> littleEndian(Long.parseLong(text), 2);
            case "Int32", "UInt32" -> littleEndian(Long.parseLong(text), 4);
            case "Int64" -> littleEndian(Long.parseLong(text), 8);
            case "UInt64" -> littleEndian(new BigInteger(text).longValue(), 8);
            case "Float32" -> littleEndian(Float.floatToRawIntBits((float) parseDouble(text)), 4);
            case "Float64" -> littleEndian(Double.doubleToRawLongBits(parseDouble(text)), 8);
            case "UUID" -> {
                UUID u = UUID.fromString(text);
                littleEndian(u.getMostSignificantBits(), 8);
                littleEndian(u.getLeastSignificantBits(), 8);
            }
            case "Date" -> littleEndian(LocalDate.parse(text).toEpochDay(), 2);
            case "Date32" -> littleEndian(LocalDate.parse(text).toEpochDay(), 4);
            default -> other(text);
        }
    }

    private void other(String text) {
        Matcher d = DECIMAL.matcher(type);
        if (d.matches()) {
            int precision = Integer.parseInt(d.group(1));
            BigInteger unscaled = new BigDecimal(text).setScale(Integer.parseInt(d.group(2)), RoundingMode.UNNECESSARY)
                    .unscaledValue();
            if (unscaled.abs().toString().length() > precision) {
                throw new UnfitValueException(text + " does not fit ClickHouse " + type);
            }
            int width = precision <= 9 ? 4 : precision <= 18 ? 8 : 16;
            byte[] big = unscaled.toByteArray();
            for (int i = 0; i < width; i++) {
                int from = big.length - 1 - i;
                write(from >= 0 ? big[from] : (unscaled.signum() < 0 ? 0xff : 0));
            }
            return;
        }
        Matcher t = DATETIME64.matcher(type);
        if (t.matches()) {
            LocalDateTime ts = LocalDateTime.parse(text.replace(' ', 'T'));
            long micros = Math.addExact(Math.multiplyExact(ts.toEpochSecond(ZoneOffset.UTC), 1_000_000L),
                    ts.getNano() / 1000);
            int precision = Integer.parseInt(t.group(1));
            littleEndian(micros / (long) Math.pow(10, 6 - precision), 8);
            return;
        }
        throw new UnfitValueException("the sink does not write ClickHouse columns of type " + type);
    }

    private static double parseDouble(String s) {
        return switch (s) {
            case "nan" -> Double.NaN;
            case "inf" -> Double.POSITIVE_INFINITY;
            case "-inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(s);
        };
    }

    @Override
    public void bytes(byte[] b) {
        if (!type.equals("String")) {
            throw new UnfitValueException("bytes do not fit ClickHouse " + type);
        }
        startValue();
        long n = b.length;
        while ((n & ~0x7FL) != 0) {
            write((int) ((n & 0x7F) | 0x80));
            n >>>= 7;
        }
        write((int) n);
        write(b, 0, b.length);
    }

    private void littleEndian(long v, int width) {
        for (int i = 0; i < width; i++) {
            write((int) (v >>> (8 * i)));
        }
    }

    /** Discards what was written after {@code size} bytes. */
    void truncate(int size) {
        count = size;
    }
}
