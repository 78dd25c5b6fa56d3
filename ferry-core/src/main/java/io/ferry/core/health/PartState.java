package io.ferry.core.health;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * One part of a pipeline at one moment. A part is {@code up} until an attempt to use it fails; it is then down
 * {@code since} the first failure of the outage (later failures of the same outage keep that instant), with the
 * latest {@code reason}, how many attempts of the outage failed ({@code failedAttempts}) and, while a retry is
 * scheduled, when it is due ({@code retryAt}, else null).
 *
 * @param where   the part's address for people, e.g. {@code 10.0.0.5:9092} or {@code postgres at db:5432/shop};
 *                never a password
 * @param reason  the latest failure's one-line message; null while up, or before the part was first used
 */
public record PartState(Part part, boolean up, String where, String reason, Instant since, Instant retryAt,
                        int failedAttempts) {

    public static PartState up(Part part, String where, Instant since) {
        return new PartState(part, true, where, null, since, null, 0);
    }

    /** Checked and found failing (a part not used yet is neither up nor down). */
    public boolean down() {
        return !up && reason != null;
    }

    /**
     * One line for a status display: {@code waiting for Kafka at 127.0.0.1:9092: connection refused, 4 failed
     * attempts, retry in 8 s (down 35 s)}, {@code sink postgres at h:5432/db: ...}, {@code source mysql at h:3306/shop: ...}; {@code Kafka
     * up} while up.
     */
    public String describe(Instant now) {
        if (up) {
            return part.label() + " up";
        }
        if (reason == null) {
            return part.label() + " not checked yet";
        }
        StringBuilder b = new StringBuilder(120);
        // The databases are named by their kind and address ("sink postgres at h:5432/db"), Kafka by its servers.
        b.append(part == Part.KAFKA ? "waiting for Kafka at " : part.label() + " ").append(where);
        b.append(": ").append(reason);
        b.append(", ").append(failedAttempts).append(failedAttempts == 1 ? " failed attempt" : " failed attempts");
        if (retryAt != null) {
            long s = Math.max(0, (Duration.between(now, retryAt).toMillis() + 999) / 1000);
            b.append(", retry in ").append(s).append(" s");
        }
        b.append(String.format(Locale.ROOT, " (down %d s)", Math.max(0, Duration.between(since, now).toSeconds())));
        return b.toString();
    }
}
