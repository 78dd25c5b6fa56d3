package io.ferry.mysql;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.UUID;

/**
 * The text MariaDB prints for its own {@code uuid}, {@code inet4} and {@code inet6} values, from the bytes a binlog
 * row image holds for them (a uuid's 16 bytes in text order, addresses most significant byte first; the image drops
 * trailing zero bytes, as for any {@code binary(n)}), so a streamed row carries what a snapshot of the same row reads.
 */
final class MariaDbText {

    private MariaDbText() {
    }

    static UUID uuid(byte[] image) {
        ByteBuffer bb = ByteBuffer.wrap(Arrays.copyOf(image, 16));
        return new UUID(bb.getLong(), bb.getLong());
    }

    static String inet4(byte[] image) {
        byte[] b = Arrays.copyOf(image, 4);
        return (b[0] & 0xFF) + "." + (b[1] & 0xFF) + "." + (b[2] & 0xFF) + "." + (b[3] & 0xFF);
    }

    /**
     * Lowercase hex groups without leading zeros; the first longest run of zero groups, even a single one, becomes
     * {@code ::}; an IPv4-compatible ({@code ::a.b.c.d}) or IPv4-mapped ({@code ::ffff:a.b.c.d}) address ends in its
     * dotted quad. This is MariaDB's own rule, which differs from RFC 5952 in compressing a lone zero group.
     */
    static String inet6(byte[] image) {
        byte[] b = Arrays.copyOf(image, 16);
        int[] words = new int[8];
        for (int i = 0; i < 8; i++) {
            words[i] = (b[2 * i] & 0xFF) << 8 | b[2 * i + 1] & 0xFF;
        }
        int gapAt = -1;
        int gapLength = 0;
        for (int i = 0; i < 8; ) {
            if (words[i] != 0) {
                i++;
                continue;
            }
            int start = i;
            while (i < 8 && words[i] == 0) {
                i++;
            }
            if (i - start > gapLength) {
                gapAt = start;
                gapLength = i - start;
            }
        }
        boolean v4 = gapAt == 0 && (gapLength == 6 || gapLength == 5 && words[5] == 0xFFFF);
        StringBuilder s = new StringBuilder(45);
        for (int i = 0; i < 8; i++) {
            if (i == gapAt) {
                s.append(i == 0 ? "::" : ":");
                i += gapLength - 1;
            } else if (i == 6 && v4) {
                return s.append(inet4(new byte[] {b[12], b[13], b[14], b[15]})).toString();
            } else {
                s.append(Integer.toHexString(words[i]));
                if (i < 7) {
                    s.append(':');
                }
            }
        }
        return s.toString();
    }
}
