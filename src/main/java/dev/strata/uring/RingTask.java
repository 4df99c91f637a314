package dev.strata.uring;

/**
 * Work a {@link WorkerPool} worker hosts on its ring — e.g. one ublk queue. Every method runs
 * on the worker's thread. The task tags each SQE's user_data with its {@code token} (the high
 * 16 bits; the low 48 bits are the task's own) so completions find it. Work the task hands to
 * other threads comes back through its {@link Wakeup}.
 */
public interface RingTask {
    /**
     * Just before {@link #start}: the handle other threads use to have {@link #woken} run on
     * this worker. A task that hands work off keeps it.
     */
    default void attach(Wakeup wakeup) {}

    /** Just assigned: submit the first requests (they go out before the worker blocks again). */
    void start(Ring ring, long token);

    /** A completion of one of this task's requests. */
    void complete(Ring ring, long userData, int res, int flags);

    /** After one or more {@link Wakeup#wake} calls: take in what other threads handed back. */
    default void woken(Ring ring) {}

    /**
     * Being removed (or the pool shutting down): release what it holds, or start to. Called
     * once. Until {@link #drained} is true its completions and wake-ups still come, and its
     * token is not reused.
     */
    void stop(Ring ring);

    /** After {@link #stop}: true once nothing of the task is in flight (its memory is released). */
    default boolean drained() {
        return true;
    }

    /** The token bits of a user_data. */
    static long tokenOf(long userData) {
        return userData & 0xffff_0000_0000_0000L;
    }

    /** The task's own bits of a user_data. */
    static long ownBits(long userData) {
        return userData & 0x0000_ffff_ffff_ffffL;
    }
}
