package io.ferry.kafka;

import io.ferry.core.TableId;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Kafka topic names of a pipeline: {@code <prefix>.<schema>.<table>} per table, {@code <prefix>.ferry-offsets}
 * and {@code <prefix>.ferry-schemas}. Characters Kafka does not allow (and dots inside a schema or table name)
 * become {@code _}; a name that had to change or be shortened to 249 characters ends in {@code _} plus a hash
 * of the original, so distinct tables never share a topic.
 */
public final class TopicNames {

    static final int MAX_LENGTH = 249;
    private static final int HASH_CHARS = 8;

    private TopicNames() {
    }

    /** The topic of a table's change events. */
    public static String table(String prefix, TableId table) {
        StringBuilder sb = new StringBuilder(prefix.length() + table.schema().length() + table.table().length() + 2);
        boolean changed = append(sb, prefix, true);
        sb.append('.');
        changed |= append(sb, table.schema(), false);
        sb.append('.');
        changed |= append(sb, table.table(), false);
        return finish(sb, changed, prefix + '\u0000' + table.schema() + '\u0000' + table.table());
    }

    /** The compacted topic holding each pipeline's newest committed source position, keyed by pipeline name. */
    public static String offsets(String prefix) {
        return internal(prefix, "ferry-offsets");
    }

    /** The compacted topic holding every published version of every table schema. */
    public static String schemas(String prefix) {
        return internal(prefix, "ferry-schemas");
    }

    /** Where the applier sends records the target refuses, when {@code sink.on-error} is {@code dead-letter}. */
    public static String deadLetters(String prefix) {
        return internal(prefix, "ferry-dlq");
    }

    private static String internal(String prefix, String name) {
        StringBuilder sb = new StringBuilder();
        boolean changed = append(sb, prefix, true);
        sb.append('.').append(name);
        return finish(sb, changed, prefix + '\u0000' + name);
    }

    /** Appends {@code part} with disallowed characters replaced; returns whether anything was replaced. */
    private static boolean append(StringBuilder sb, String part, boolean dotsAllowed) {
        boolean changed = false;
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'
                    || (c == '.' && dotsAllowed)) {
                sb.append(c);
            } else {
                sb.append('_');
                changed = true;
            }
        }
        return changed;
    }

    private static String finish(StringBuilder sb, boolean changed, String original) {
        if (!changed && sb.length() <= MAX_LENGTH) {
            return sb.toString();
        }
        if (sb.length() > MAX_LENGTH - HASH_CHARS - 1) {
            sb.setLength(MAX_LENGTH - HASH_CHARS - 1);
        }
        return sb.append('_').append(hash(original)).toString();
    }

    private static String hash(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            StringBuilder hex = new StringBuilder(HASH_CHARS);
            for (int i = 0; i < HASH_CHARS / 2; i++) {
                hex.append(Character.forDigit((d[i] >> 4) & 0xF, 16)).append(Character.forDigit(d[i] & 0xF, 16));
            }
            return hex.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java runtime", e);
        }
    }
}
