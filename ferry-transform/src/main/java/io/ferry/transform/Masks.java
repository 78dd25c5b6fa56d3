package io.ferry.transform;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Column;
import io.ferry.core.ColumnType;
import io.ferry.core.TypeKind;
import io.ferry.core.config.TransformConfig.Mask;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Replaces a column's values. Each mask has a fixed result type (docs/pipeline.md): {@code hash} gives the
 * lower-case hex SHA-256 of the salt and the value's text, {@code varchar(64)}, equal values giving equal hashes
 * so joins still work; {@code redact} gives {@code ***}, {@code text}; {@code truncate(N)} keeps the first N
 * characters of a text column, same type; {@code null} gives NULL, same type, nullable. NULL stays NULL.
 */
final class Masks {

    static final String REDACTED = "***";

    /** A digest per thread: looking one up for every value costs more than the hash of a short value. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    private Masks() {
    }

    /** The masked column, or throws {@link RowExpressions.Problem} when the mask cannot apply to it. */
    static Column column(Column c, Mask mask, boolean key) {
        switch (mask.kind()) {
            case HASH:
                return new Column(c.name(), ColumnType.of(TypeKind.TEXT, "varchar(64)"), c.nullable(), c.id());
            case REDACT:
                if (key) {
                    throw new RowExpressions.Problem("key column " + c.name() + " cannot be redacted: every row would"
                            + " get the same key; hash it instead");
                }
                return new Column(c.name(), ColumnType.of(TypeKind.TEXT, "text"), c.nullable(), c.id());
            case TRUNCATE:
                if (c.type().kind() != TypeKind.TEXT) {
                    throw new RowExpressions.Problem("truncate applies to text columns; " + c.name() + " is "
                            + c.type().sourceName());
                }
                if (key) {
                    throw new RowExpressions.Problem("key column " + c.name() + " cannot be truncated: keys could"
                            + " collide; hash it instead");
                }
                return c;
            case NULL:
                if (key) {
                    throw new RowExpressions.Problem("key column " + c.name() + " cannot be set to null");
                }
                return new Column(c.name(), c.type(), true, c.id());
            default:
                throw new IllegalStateException(mask.kind().toString());
        }
    }

    static Object apply(Mask mask, byte[] salt, Object v) {
        if (v == null || v == ChangeEvent.UNCHANGED) {
            return mask.kind() == io.ferry.core.config.TransformConfig.MaskKind.NULL ? null : v;
        }
        return switch (mask.kind()) {
            case HASH -> hash(salt, v);
            case REDACT -> REDACTED;
            case TRUNCATE -> truncate((String) v, mask.length());
            case NULL -> null;
        };
    }

    private static String truncate(String s, int codePoints) {
        if (s.codePointCount(0, s.length()) <= codePoints) {
            return s;
        }
        return s.substring(0, s.offsetByCodePoints(0, codePoints));
    }

    private static String hash(byte[] salt, Object v) {
        MessageDigest md = SHA256.get();
        md.update(salt);
        md.update((byte) 0);
        md.update(text(v).getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(md.digest());
    }

    /** The text a value is hashed as: the same for the same value whichever database it was read from. */
    private static String text(Object v) {
        if (v instanceof byte[] b) {
            return HexFormat.of().formatHex(b);
        }
        if (v instanceof BigDecimal d) {
            return d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString();
        }
        return v.toString();
    }
}
