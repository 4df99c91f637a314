package dev.strata.volume;

import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One attached volume's reads of blocks that are not local: through the node's
 * {@link PackCache}, with at most {@link #MAX_GETS} ranged GETs of blocks in flight, and a
 * readahead window that grows while the volume is read sequentially.
 *
 * <p>A miss off the sequence fetches its block alone (a random 4 KiB read costs one small
 * GET). Each block read right after the previous one grows the window — 4, 8, 16 … blocks,
 * up to {@link #MAX_WINDOW_BYTES} (and a quarter of the node's clean cache) — and whenever
 * a full GET's worth of the window ahead of the reader is not yet claimed (half of a small
 * window), a background planner claims it and fetches it in ranged GETs of up to
 * {@link #RUN_BYTES} of adjacent blocks, in parallel: a sequential reader then finds its
 * blocks cached or under way, with about window / run GETs in flight.
 * Waiting readers hold no lock; blocks under way are shared with every reader that misses
 * them (on this volume or a fork of the same image).
 *
 * <p>The GETs of blocks (a reader's own and the planner's) each take one of the volume's
 * {@link #MAX_GETS} permits while the GET runs, never while waiting for another's. The
 * planner's index GETs are one at a time; a reader's index GET is its own request's.
 */
final class ReadAhead {
    /** Ranged GETs of blocks in flight per volume, at most. */
    static final int MAX_GETS = 32;
    /** The readahead window's largest size. */
    static final int MAX_WINDOW_BYTES = 8 << 20;
    /** The most one background GET fetches (adjacent blocks of one pack). */
    static final int RUN_BYTES = 1 << 20;

    private final PackCache packs;
    private final PoolId pool;
    private final int blocksPerChunk;
    /** The chain the last read went through, for the planner (it only ever gets newer). */
    private volatile List<Manifest> chain;
    private final int maxWindow, runBlocks;
    private final Semaphore permits = new Semaphore(MAX_GETS);
    private final Executor now = this::withPermit;
    private final Executor background;
    private final ThreadFactory planners;
    private final AtomicBoolean planning = new AtomicBoolean();
    /** The block after the last one read, the run of sequential blocks read so far, and how far the planner is to fetch. */
    private long next = -1, streak, target;
    /** The block up to which the planner has claimed (exclusive). */
    private volatile long planned;

    /**
     * @param cacheBytes the node's clean-cache budget: the window stays within a quarter of it
     */
    ReadAhead(PackCache packs, PoolId pool, int blockSize, int blocksPerChunk, long cacheBytes, String volume) {
        this.packs = packs;
        this.pool = pool;
        this.blocksPerChunk = blocksPerChunk;
        this.maxWindow = (int) (Math.min(MAX_WINDOW_BYTES, cacheBytes / 4) / blockSize);
        this.runBlocks = Math.max(1, RUN_BYTES / blockSize);
        // platform threads (at most MAX_GETS at once): on a busy node the kernel shares the CPU per
        // thread, and readahead GETs on two virtual-thread carriers fell behind (bench/data-path.sh)
        ThreadFactory gets = Thread.ofPlatform().daemon().name("strata-get-" + volume + "-", 0).factory();
        this.background = task -> gets.newThread(() -> withPermit(task)).start();
        this.planners = Thread.ofVirtual().name("strata-readahead-" + volume).factory();
    }

    /**
     * The block's content in {@code manifests} (the volume's chain, top first; {@link
     * PackCache#ZERO} for zeros). Waits for the bucket holding no lock.
     */
    byte[] read(List<Manifest> manifests, long block) {
        chain = manifests;
        int window = observe(block);
        if (window > 0) plan(block, window);
        PackCache.Location at = packs.locate(pool, manifests, chunk(block), within(block), blocksPerChunk);
        if (at == null) return PackCache.ZERO;
        return InFlight.join(packs.fetch(pool, at, blocksPerChunk, Math.max(1, Math.min(window, runBlocks)), now));
    }

    /** Records a read of {@code block}; returns the readahead window (0: not sequential). */
    private synchronized int observe(long block) {
        if (block == next) {
            streak++;
        } else if (block != next - 1) { // re-reading the last block keeps the sequence
            streak = 0;
            planned = block + 1;
            target = block + 1;
        }
        next = block + 1;
        if (streak == 0 || maxWindow == 0) return 0;
        return (int) Math.min(maxWindow, 4L << Math.min(streak - 1, 20));
    }

    /** Starts the planner once a full GET's worth (or half a small window) is missing from the window ahead of {@code block}. */
    private void plan(long block, int window) {
        synchronized (this) {
            if (planned < block + 1) planned = block + 1;
            if (planned - block > window - Math.min(window / 2, runBlocks)) return;
            target = Math.max(target, block + 1 + window);
        }
        if (planning.compareAndSet(false, true)) planners.newThread(this::planAhead).start();
    }

    /** The planner: claims and starts GETs for the blocks up to the target, then ends (one at a time per volume). */
    private void planAhead() {
        while (true) {
            long to;
            synchronized (this) {
                to = target;
            }
            try {
                for (long b = planned; b < to; b = Math.max(b + 1, planned)) {
                    PackCache.Location at = packs.locate(pool, chain, chunk(b), within(b), blocksPerChunk);
                    if (at != null) packs.prefetch(pool, at, blocksPerChunk, (int) Math.min(runBlocks, to - b), background);
                    synchronized (this) {
                        if (planned < b + 1) planned = b + 1;
                    }
                }
            } catch (VolumeException e) {
                // readahead is a hint: the reader's own GET reports the error
            }
            planning.set(false);
            synchronized (this) {
                if (planned >= target) return;
            }
            if (!planning.compareAndSet(false, true)) return;
        }
    }

    private void withPermit(Runnable get) {
        permits.acquireUninterruptibly();
        try {
            get.run();
        } finally {
            permits.release();
        }
    }

    private int chunk(long block) {
        return (int) (block / blocksPerChunk);
    }

    private int within(long block) {
        return (int) (block % blocksPerChunk);
    }
}
