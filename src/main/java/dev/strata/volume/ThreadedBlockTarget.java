package dev.strata.volume;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A synchronous {@link BlockTarget} as an {@link AsyncBlockTarget}: each request runs the
 * target's existing method (so every guarantee of that method — e.g. AttachedVolume's
 * acknowledge-then-return for writes and flushes — holds unchanged) on one of up to
 * {@code maxInFlight} platform threads of its own. One thread per request that can be in
 * flight (the device's queues × depth): a request blocked on the bucket or a full disk holds
 * up only itself, never another tag, another device or the ring thread. Threads start on
 * demand and end after a minute idle.
 */
public final class ThreadedBlockTarget implements AsyncBlockTarget {
    static final long IDLE_SECONDS = 60;

    private final BlockTarget target;
    private final ThreadPoolExecutor threads;

    /** {@code maxInFlight}: the most requests the issuer has outstanding at once; {@code name} names the threads. */
    public ThreadedBlockTarget(BlockTarget target, int maxInFlight, String name) {
        if (maxInFlight < 1) throw new IllegalArgumentException("maxInFlight must be at least 1");
        this.target = target;
        AtomicInteger n = new AtomicInteger();
        // core = max = maxInFlight and an unbounded queue: below maxInFlight threads every
        // submit starts a thread; the queue never holds more than maxInFlight requests
        this.threads = new ThreadPoolExecutor(maxInFlight, maxInFlight, IDLE_SECONDS, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> Thread.ofPlatform().name(name + "-" + n.getAndIncrement()).daemon(true).unstarted(r));
        threads.allowCoreThreadTimeOut(true);
    }

    @Override
    public long sizeBytes() {
        return target.sizeBytes();
    }

    @Override
    public void submit(Request request) {
        try {
            threads.execute(() -> run(request));
        } catch (RejectedExecutionException e) {
            request.complete(new VolumeException.Unavailable("the device is closing", e));
        }
    }

    private void run(Request r) {
        RuntimeException failure = null;
        try {
            switch (r.op()) {
                case READ -> target.read(r.offset(), r.data());
                case WRITE -> {
                    target.write(r.offset(), r.data());
                    if (r.fua()) target.flush();
                }
                case FLUSH -> target.flush();
                case DISCARD -> target.discard(r.offset(), r.length());
                case WRITE_ZEROES -> target.writeZeroes(r.offset(), r.length());
            }
        } catch (RuntimeException e) {
            failure = e;
        } catch (Error e) {
            r.complete(new IllegalStateException(e));
            throw e;
        }
        r.complete(failure);
    }

    /** Threads alive now (idle or busy). */
    int threads() {
        return threads.getPoolSize();
    }

    @Override
    public void close() {
        threads.shutdown();
    }
}
