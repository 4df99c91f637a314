package dev.strata.uring;

/**
 * What a ring is asked for. Flags the kernel rejects are dropped one by one (newest first:
 * NO_SQARRAY, DEFER_TASKRUN, SINGLE_ISSUER, COOP_TASKRUN); SQE128/CQE32 are never dropped
 * (a caller that asks needs them). {@link Ring#setupFlags()} tells what ran.
 */
public record RingOptions(int entries, boolean sqe128, boolean cqe32, boolean singleIssuer, boolean deferTaskrun,
                          boolean coopTaskrun, boolean noSqArray) {
    public RingOptions {
        if (entries < 1 || entries > 32768 || Integer.bitCount(entries) != 1)
            throw new IllegalArgumentException("ring entries must be a power of two in 1..32768, got " + entries);
        if (deferTaskrun && !singleIssuer) throw new IllegalArgumentException("DEFER_TASKRUN needs SINGLE_ISSUER");
    }

    /** The usual ring for a worker thread: every modern flag, fallbacks allowed. */
    public static RingOptions worker(int entries) {
        return new RingOptions(entries, false, false, true, true, true, true);
    }

    /** A ring with 128-byte SQEs (URING_CMD with an 80-byte command, e.g. ublk control). */
    public static RingOptions sqe128(int entries) {
        return new RingOptions(entries, true, false, true, true, true, true);
    }
}
