package dev.strata.volume;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The committer: moves an attached volume's dirty blocks to the bucket. On a dirty-bytes
 * threshold and on age (the RPO) it asks the local cache for a {@link Freeze} (the dirty set
 * at a point in time), packs each chunk's frozen blocks, uploads the packs in parallel, then
 * commits the next manifest generation by conditional create under the volume's epoch and
 * publishes it as an immutable {@link Commit}. It sees the cache only as a {@link CutSource}.
 * A failed cycle changes nothing locally: the blocks stay dirty and the next cycle, after a
 * backoff, tries again. A newer epoch fences the volume.
 */
final class Uploader {
    private static final Logger log = LoggerFactory.getLogger(Uploader.class);
    private static final long TICK_MILLIS = 200;

    /** How the committer learns and reports that the volume is fenced (the facade owns it). */
    interface Fence {
        /** Throws Fenced when the volume is fenced. */
        void check();

        boolean isFenced();

        /** Latches the volume fenced for {@code reason}. */
        void fence(String reason);
    }

    private final VolumeName name;
    private final long epoch;
    private final PoolId pool;
    private final int blocksPerChunk;
    private final Registry registry;
    private final PackCache packs;
    private final CutSource cache;
    private final Supplier<EngineOptions> options;
    private final LongSupplier sizeBytes;
    private final Timing timing;
    private final Fence fence;
    /** The newest commit: replaced whole, read by the facade for reads through the chain. */
    private volatile Commit commit;
    private volatile String lastError;
    private volatile long retryAtMillis;
    /** The wait after a failed cycle before the next background one ({@link Timing#upload()}). */
    private final Retry.Backoff backoff;
    private ScheduledExecutorService ticker;
    private PackPipeline pipeline;

    Uploader(VolumeName name, long epoch, PoolId pool, int blocksPerChunk, Registry registry, PackCache packs, CutSource cache,
             Supplier<EngineOptions> options, LongSupplier sizeBytes, Timing timing, Fence fence, Commit attached) {
        this.name = name;
        this.epoch = epoch;
        this.pool = pool;
        this.blocksPerChunk = blocksPerChunk;
        this.registry = registry;
        this.packs = packs;
        this.cache = cache;
        this.options = options;
        this.sizeBytes = sizeBytes;
        this.timing = timing;
        this.fence = fence;
        this.commit = attached;
        this.backoff = timing.upload().backoff();
    }

    void start() {
        pipeline = new PackPipeline(options.get().uploadThreads(), name.value());
        ticker = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "strata-uploader-" + name));
        ticker.scheduleWithFixedDelay(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** The newest commit (generation and chain). */
    Commit commit() {
        return commit;
    }

    /** One look at the thresholds: cycles when enough is dirty, the oldest write is past the RPO, or the disk is short. */
    synchronized void tick() {
        Metrics.volume(name.value(), lagMillis(), fence.isFenced(), cache.dirtyCount());
        if (fence.isFenced()) return;
        long now = timing.clock().millis();
        if (now < pausedUntilMillis) return; // a group snapshot is cutting this volume
        boolean shortOfSpace = cache.shortOfSpace();
        if (shortOfSpace) cache.evict();
        if (now < retryAtMillis) return;
        long dirty = cache.dirtyCount();
        EngineOptions o = options.get();
        boolean full = dirty * cache.blockSize() >= o.dirtyBytes() || shortOfSpace && dirty > 0;
        boolean old = dirty > 0 && now - cache.oldestDirtyMillis() >= o.rpo().toMillis();
        if (!full && !old) return;
        try {
            cycle();
        } catch (RuntimeException e) {
            // recorded in lastError / fenced; the next tick retries after the backoff
        } finally {
            // even when only the checkpoint after the commit failed (it needs disk space too)
            if (shortOfSpace) cache.evict();
        }
    }

    long lagMillis() {
        return cache.dirtyCount() == 0 ? 0 : timing.clock().millis() - cache.oldestDirtyMillis();
    }

    String lastError() {
        return lastError;
    }

    void drain() {
        drain(timing.drain());
    }

    /** Uploads and commits until nothing is dirty; gives up (Unavailable) once the bucket refused for the policy's bound. */
    void drain(Retry retry) {
        boolean done = false;
        while (!done) {
            done = retry.call(() -> {
                fence.check();
                cycle();
                return cache.dirtyBlocks() == 0;
            }, e -> e instanceof VolumeException.Unavailable, () -> { });
        }
    }

    /** Until when background cycles wait for a group snapshot's cut (0: not paused). */
    private volatile long pausedUntilMillis;

    /** Keeps background cycles from starting for up to {@code max}, and waits for one in progress. */
    void pauseFor(java.time.Duration max) {
        pausedUntilMillis = timing.clock().millis() + max.toMillis();
        synchronized (this) {
            // a cycle in progress has finished once we hold its monitor
        }
    }

    void resume() {
        pausedUntilMillis = 0;
    }

    /** One cut → upload → commit. Returns the generation that holds everything up to the cut. */
    synchronized Registry.GenerationRef cycle() {
        return cycle(() -> { });
    }

    /**
     * As {@link #cycle()}; {@code frozen} runs once the point in time is fixed (the dirty
     * set frozen, or nothing to upload) and before the upload — a group cut lets writes go there;
     * if it throws, nothing is uploaded and the blocks stay dirty.
     */
    synchronized Registry.GenerationRef cycle(Runnable frozen) {
        fence.check();
        Freeze freeze = cache.freeze();
        if (freeze == null) {
            frozen.run();
            return commit.generation();
        }
        try {
            frozen.run(); // may throw (a group snapshot's point dropped): the freeze is undone below
            Map<Integer, List<PackId>> added = uploadPacks(freeze);
            Commit next = commit(added);
            commit = next;
            cache.committed(freeze, next.generation().number());
            log.atDebug().setMessage("committed").addKeyValue("volume", name.value())
                    .addKeyValue("generation", next.generation().number()).addKeyValue("blocks", freeze.blocks().length).log();
            lastError = null;
            backoff.reset();
            return next.generation();
        } catch (VolumeException.Fenced e) {
            fence.fence(e.getMessage());
            throw e;
        } catch (VolumeException.Unavailable e) {
            lastError = e.getMessage();
            Metrics.uploadFailed(name.value());
            retryAtMillis = timing.clock().millis() + backoff.next().toMillis();
            log.atWarn().setMessage("upload failed; will retry").addKeyValue("volume", name.value())
                    .addKeyValue("error", e.getMessage()).log();
            throw e;
        } finally {
            cache.thaw(freeze);
        }
    }

    private Map<Integer, List<PackId>> uploadPacks(Freeze freeze) {
        Map<Integer, List<Long>> byChunk = new TreeMap<>();
        for (long b : freeze.blocks()) byChunk.computeIfAbsent((int) (b / blocksPerChunk), k -> new ArrayList<>()).add(b);
        Map<Integer, List<PackId>> added = new TreeMap<>();
        List<Future<?>> pending = new ArrayList<>();
        for (var e : byChunk.entrySet()) {
            List<Long> blocks = e.getValue();
            for (int from = 0; from < blocks.size(); from += options.get().blocksPerPack()) {
                List<Long> group = blocks.subList(from, Math.min(blocks.size(), from + options.get().blocksPerPack()));
                int chunk = e.getKey();
                List<PackId> ids = added.computeIfAbsent(chunk, k -> new ArrayList<>());
                int slot = ids.size();
                ids.add(null);
                pending.add(pipeline.submit(() -> {
                    List<Integer> indexes = new ArrayList<>(group.size());
                    List<byte[]> contents = new ArrayList<>(group.size());
                    for (long b : group) {
                        indexes.add((int) (b % blocksPerChunk));
                        contents.add(cache.frozenContent(freeze, b));
                    }
                    return PackFormat.encode(chunk, cache.blockSize(), indexes, contents);
                }, pack -> {
                    put(chunk, pack);
                    // this node knows the pack's index already: later reads and read-modify-writes
                    // in this chunk must not need the bucket for it (they failed during outages)
                    packs.remember(pack.id(), pack.index());
                    synchronized (ids) {
                        ids.set(slot, pack.id());
                    }
                }));
            }
        }
        for (Future<?> f : pending) {
            try {
                f.get();
            } catch (java.util.concurrent.ExecutionException x) {
                if (x.getCause() instanceof RuntimeException r) throw r;
                throw new VolumeException.Unavailable("pack upload failed: " + x.getCause(), x.getCause());
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
                throw new VolumeException.Unavailable("interrupted while uploading", x);
            }
        }
        return added;
    }

    private void put(int chunk, PackFormat.Encoded pack) {
        registry.bucket().put(Layout.pack(pool, chunk, pack.id()), pack.bytes());
        Metrics.uploadedBytes(pack.bytes().length);
    }

    /** Commits the next generation: the newest manifest plus the uploaded packs, under this epoch. */
    private Commit commit(Map<Integer, List<PackId>> added) {
        if (registry.ownership().superseded(name, epoch))
            throw new VolumeException.Fenced("epoch " + epoch + " was superseded (the volume was published elsewhere)");
        Commit now = commit;
        Manifest top = now.chain().getFirst();
        TreeMap<Integer, List<PackId>> chunks = new TreeMap<>(top.chunks());
        added.forEach((chunk, ids) -> {
            List<PackId> merged = new ArrayList<>(chunks.getOrDefault(chunk, List.of()));
            merged.addAll(ids);
            chunks.put(chunk, merged);
        });
        long gen = now.generation().number() + 1;
        Manifest next = new Manifest(top.blockSize(), top.chunkSize(), sizeBytes.getAsLong(), gen, epoch, top.base(), chunks);
        VolumeRecord record = registry.resolve(name);
        String key = Layout.generation(name, record.uid(), gen);
        if (!registry.bucket().create(Layout.inPool(pool, key), ManifestCodec.encode(next)))
            throw new VolumeException.Fenced("generation " + gen + " was committed by another writer");
        Manifest written = registry.bucket().readManifest(Layout.inPool(pool, key));
        List<Manifest> chain = new ArrayList<>(now.chain());
        chain.set(0, written);
        return new Commit(new Registry.GenerationRef(gen, key), chain);
    }

    /** How long {@link #stop} lets a background cycle under way finish before it interrupts it. */
    static final long STOP_GRACE_MILLIS = 5_000;

    /**
     * Stops the background cycles. One under way is let finish for up to {@link
     * #STOP_GRACE_MILLIS} first: an interrupt closes any FileChannel the interrupted thread is
     * using, and a cycle past its upload is writing the local log (a close right after an
     * age-triggered commit then failed with ClosedChannelException). Only a cycle still stuck
     * after that (a bucket that does not answer) is interrupted.
     */
    void stop() {
        Metrics.forget(name.value());
        if (ticker != null) {
            ticker.shutdown();
            try {
                if (!ticker.awaitTermination(STOP_GRACE_MILLIS, TimeUnit.MILLISECONDS)) ticker.shutdownNow();
            } catch (InterruptedException e) {
                ticker.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        if (pipeline != null) pipeline.stop();
    }
}
