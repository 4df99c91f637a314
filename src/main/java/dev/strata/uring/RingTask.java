package dev.strata.uring;

/**
 * Work a {@link WorkerPool} worker hosts on its ring — e.g. one ublk queue. All three
 * methods run on the worker's thread. The task tags each SQE's user_data with its
 * {@code token} (the high 16 bits; the low 48 bits are the task's own) so completions find it.
 */
public interface RingTask {
    /** Just assigned: submit the first requests (they go out before the worker blocks again). */
    void start(Ring ring, long token);

    /** A completion of one of this task's requests. */
    void complete(Ring ring, long userData, int res, int flags);

    /** Being removed (or the pool shutting down): release what it holds. Later completions are dropped. */
    void stop(Ring ring);

    /** The token bits of a user_data. */
    static long tokenOf(long userData) {
        return userData & 0xffff_0000_0000_0000L;
    }

    /** The task's own bits of a user_data. */
    static long ownBits(long userData) {
        return userData & 0x0000_ffff_ffff_ffffL;
    }
}
