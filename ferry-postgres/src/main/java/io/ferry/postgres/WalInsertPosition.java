package io.ferry.postgres;

/**
 * Whether the stream has reached a position read with {@code pg_current_wal_insert_lsn()}. That function names
 * where the next WAL record goes: the end of the last record rounded up to 8 bytes, and past the page header when
 * that end is a page boundary. A walsender reports the exact end of the last record it decoded, so on an idle
 * server the two differ by a few bytes until some other record is written, which can take many seconds.
 */
final class WalInsertPosition {

    /** PostgreSQL's default and near-universal {@code wal_block_size}. */
    private static final int PAGE = 8192;
    /** MAXALIGNed sizes of a page's short header, and of the long one that starts a segment. */
    private static final int SHORT_HEADER = 24;
    private static final int LONG_HEADER = 40;

    private WalInsertPosition() {
    }

    /** Whether a stream that handed over everything before {@code reachedLsn} has reached {@code insertLsn}. */
    static boolean reached(long reachedLsn, long insertLsn) {
        long inPage = insertLsn % PAGE;
        long recordsEnd = inPage == SHORT_HEADER || inPage == LONG_HEADER ? insertLsn - inPage : insertLsn;
        return ((reachedLsn + 7) & ~7L) >= recordsEnd;
    }
}
