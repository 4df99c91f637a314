package dev.strata.volume;

import dev.strata.store.StoreException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves an attached volume's dirty blocks to the bucket: on a dirty-bytes threshold and on
 * age (the RPO), cuts the dirty set, packs each chunk's blocks, uploads the packs in
 * parallel, then commits the next manifest generation by conditional create under the
 * volume's epoch. A failed cycle changes nothing locally: the blocks stay dirty and the
 * next cycle, after a backoff, tries again. A newer epoch fences the volume.
 */
final class Uploader {
    private static final Logger log = LoggerFactory.getLogger(Uploader.class);
    private static final long TICK_MILLIS = 200;

    private final AttachedVolume v;
    private final AtomicLong dirtyCount = new AtomicLong();
    private volatile long firstDirtyMillis;
    private volatile String lastError;
    /** How long the last cut held writes off (the freeze), for metrics and benchmarks. */
    volatile long lastFreezeNanos;
    private volatile long retryAtMillis;
    private long backoffMillis = 100;
    private ScheduledExecutorService ticker;
    private ExecutorService puts;

    Uploader(AttachedVolume v) {
        this.v = v;
        long dirty = v.states.dirty(v.committedSeq, Long.MAX_VALUE).size();
        dirtyCount.set(dirty);
        if (dirty > 0) firstDirtyMillis = v.clock.millis();
    }

    void start() {
        puts = Executors.newFixedThreadPool(v.options.uploadThreads(), r -> daemon(r, "strata-upload-" + v.name));
        ticker = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "strata-uploader-" + v.name));
        ticker.scheduleWithFixedDelay(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    void dirtied(boolean newly) {
        if (newly && dirtyCount.getAndIncrement() == 0) firstDirtyMillis = v.clock.millis();
    }

    private void tick() {
        Metrics.volume(v.name.value(), lagMillis(), v.fencedReason != null, dirtyCount.get());
        if (v.fencedReason != null) return;
        if (v.clock.millis() < pausedUntilMillis) return; // a group snapshot is cutting this volume
        boolean shortOfSpace = v.space.isShort();
        if (shortOfSpace) v.evict();
        if (v.clock.millis() < retryAtMillis) return;
        long dirty = dirtyCount.get();
        boolean full = dirty * v.blockSize >= v.options.dirtyBytes() || shortOfSpace && dirty > 0;
        boolean old = dirty > 0 && v.clock.millis() - firstDirtyMillis >= v.options.rpo().toMillis();
        if (!full && !old) return;
        try {
            cycle(false);
        } catch (RuntimeException e) {
            // recorded in lastError / fenced; the next tick retries after the backoff
        } finally {
            // even when only the checkpoint after the commit failed (it needs disk space too)
            if (shortOfSpace) v.evict();
        }
    }

    long lagMillis() {
        return dirtyCount.get() == 0 ? 0 : v.clock.millis() - firstDirtyMillis;
    }

    String lastError() {
        return lastError;
    }

    void drain() {
        drain(10 * 60_000);
    }

    /** Uploads and commits until nothing is dirty; gives up (Unavailable) after the bucket refused for {@code boundMillis}. */
    void drain(long boundMillis) {
        long deadline = v.clock.millis() + boundMillis;
        while (true) {
            v.checkFenced();
            try {
                cycle(false);
                if (v.dirtyBlocks() == 0) return;
            } catch (VolumeException.Unavailable e) {
                if (v.clock.millis() > deadline) throw e;
                sleep(Math.min(backoffMillis, 5_000));
            }
        }
    }

    /** Until when background cycles wait for a group snapshot's cut (0: not paused). */
    private volatile long pausedUntilMillis;

    /** Keeps background cycles from starting for up to {@code max}, and waits for one in progress. */
    void pauseFor(java.time.Duration max) {
        pausedUntilMillis = v.clock.millis() + max.toMillis();
        synchronized (this) {
            // a cycle in progress has finished once we hold its monitor
        }
    }

    void resume() {
        pausedUntilMillis = 0;
    }

    /** One cut → upload → commit. Returns the generation that holds everything up to the cut. */
    synchronized Registry.GenerationRef cycle(boolean always) {
        return cycle(() -> { });
    }

    /**
     * As {@link #cycle(boolean)}; {@code frozen} runs once the point in time is fixed (the dirty
     * set frozen, or nothing to upload) and before the upload — a group cut lets writes go there;
     * if it throws, nothing is uploaded and the blocks stay dirty.
     */
    synchronized Registry.GenerationRef cycle(Runnable frozen) {
        v.checkFenced();
        Freeze freeze;
        long freezeStart = System.nanoTime();
        v.cutLock.writeLock().lock();
        try {
            long cut = v.seq.get();
            List<Long> blocks = v.states.dirty(v.committedSeq, cut);
            if (blocks.isEmpty()) {
                frozen.run();
                return v.committed;
            }
            freeze = new Freeze(cut, blocks);
            v.freeze = freeze;
        } finally {
            v.cutLock.writeLock().unlock();
            lastFreezeNanos = System.nanoTime() - freezeStart;
        }
        try {
            frozen.run(); // may throw (a group snapshot's point dropped): the freeze is undone below
            Map<Integer, List<PackId>> added = uploadPacks(freeze);
            Registry.GenerationRef ref = commit(added);
            afterCommit(freeze, ref);
            lastError = null;
            backoffMillis = 100;
            return ref;
        } catch (VolumeException.Fenced e) {
            v.fence(e.getMessage());
            throw e;
        } catch (VolumeException.Unavailable e) {
            lastError = e.getMessage();
            Metrics.uploadFailed(v.name.value());
            retryAtMillis = v.clock.millis() + backoffMillis;
            backoffMillis = Math.min(backoffMillis * 2, 30_000);
            log.atWarn().setMessage("upload failed; will retry").addKeyValue("volume", v.name.value())
                    .addKeyValue("error", e.getMessage()).log();
            throw e;
        } finally {
            v.freeze = null;
        }
    }

    private Map<Integer, List<PackId>> uploadPacks(Freeze freeze) {
        Map<Integer, List<Long>> byChunk = new TreeMap<>();
        for (long b : freeze.blocks) byChunk.computeIfAbsent((int) (b / v.blocksPerChunk), k -> new ArrayList<>()).add(b);
        Map<Integer, List<PackId>> added = new TreeMap<>();
        List<Future<?>> pending = new ArrayList<>();
        for (var e : byChunk.entrySet()) {
            List<Long> blocks = e.getValue();
            for (int from = 0; from < blocks.size(); from += v.options.blocksPerPack()) {
                List<Long> group = blocks.subList(from, Math.min(blocks.size(), from + v.options.blocksPerPack()));
                int chunk = e.getKey();
                List<PackId> ids = added.computeIfAbsent(chunk, k -> new ArrayList<>());
                int slot = ids.size();
                ids.add(null);
                pending.add(puts.submit(() -> {
                    List<Integer> indexes = new ArrayList<>(group.size());
                    List<byte[]> contents = new ArrayList<>(group.size());
                    for (long b : group) {
                        indexes.add((int) (b % v.blocksPerChunk));
                        contents.add(v.frozenContent(b, freeze));
                    }
                    PackFormat.Encoded pack = PackFormat.encode(chunk, v.blockSize, indexes, contents);
                    put(chunk, pack);
                    // this node knows the pack's index already: later reads and read-modify-writes
                    // in this chunk must not need the bucket for it (they failed during outages)
                    v.packs.remember(pack.id(), pack.index());
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
        try {
            v.registry.store().put(Layout.pack(v.pool, chunk, pack.id()), pack.bytes());
            Metrics.uploadedBytes(pack.bytes().length);
        } catch (StoreException e) {
            throw new VolumeException.Unavailable("cannot upload pack " + pack.id() + ": " + e.getMessage(), e);
        }
    }

    private Registry.GenerationRef commit(Map<Integer, List<PackId>> added) {
        if (v.registry.ownership().superseded(v.name, v.epoch))
            throw new VolumeException.Fenced("epoch " + v.epoch + " was superseded (the volume was published elsewhere)");
        Manifest top = v.chain.getFirst();
        TreeMap<Integer, List<PackId>> chunks = new TreeMap<>(top.chunks());
        added.forEach((chunk, ids) -> {
            List<PackId> merged = new ArrayList<>(chunks.getOrDefault(chunk, List.of()));
            merged.addAll(ids);
            chunks.put(chunk, merged);
        });
        long gen = v.committed.number() + 1;
        Manifest next = new Manifest(top.blockSize(), top.chunkSize(), v.sizeBytes, gen, v.epoch, top.base(), chunks);
        VolumeRecord record = v.registry.resolve(v.name);
        String key = Layout.generation(v.name, record.uid(), gen);
        if (!v.registry.bucket().create(Layout.inPool(v.pool, key), ManifestCodec.encode(next)))
            throw new VolumeException.Fenced("generation " + gen + " was committed by another writer");
        return new Registry.GenerationRef(gen, key);
    }

    private void afterCommit(Freeze freeze, Registry.GenerationRef ref) {
        Manifest top = v.registry.bucket().readManifest(Layout.inPool(v.pool, ref.key()));
        List<Manifest> chain = new ArrayList<>(v.chain);
        chain.set(0, top);
        // Lock order: writers hold cutLock (read) and then take the log's monitor to append, so
        // the cut lock must never be awaited while holding the log's monitor (that deadlocked a
        // ublk queue thread against this one). The checkpoint is derived from the block states
        // under the log's monitor alone: a write landing between the two steps is in the states
        // (and at worst logged twice), so nothing is lost.
        v.cutLock.writeLock().lock();
        try {
            v.committedSeq = freeze.cut;
            v.committed = ref;
            v.chain = List.copyOf(chain);
            long dirty = v.states.dirty(freeze.cut, Long.MAX_VALUE).size();
            dirtyCount.set(dirty);
            firstDirtyMillis = dirty > 0 ? v.clock.millis() : 0;
        } finally {
            v.cutLock.writeLock().unlock();
        }
        synchronized (v.log_) {
            try {
                checkpoint(freeze.cut, ref.number());
            } catch (VolumeException.Unavailable e) {
                // the rewrite needs room a full disk may not have; one more record usually fits
                try {
                    v.log_.append(MetaLog.COMMIT, freeze.cut, ref.number());
                    v.log_.sync();
                    v.durableCommittedSeq = freeze.cut;
                } catch (IOException again) {
                    // the log still records the previous commit: those blocks stay unevictable
                }
                throw e;
            }
            v.durableCommittedSeq = freeze.cut;
        }
        log.atDebug().setMessage("committed").addKeyValue("volume", v.name.value())
                .addKeyValue("generation", ref.number()).addKeyValue("blocks", freeze.blocks.size()).log();
    }

    /** Rewrites the log as header + commit + what is still dirty. Caller holds the log's monitor. */
    private void checkpoint(long cut, long gen) {
        List<MetaLog.Entry> entries = new ArrayList<>();
        entries.add(new MetaLog.Entry(MetaLog.HEADER, v.epoch, gen));
        entries.add(new MetaLog.Entry(MetaLog.COMMIT, cut, gen));
        for (long b : v.states.dirty(cut, Long.MAX_VALUE)) {
            long s = v.states.get(b);
            entries.add(new MetaLog.Entry(s < 0 ? MetaLog.ZERO : MetaLog.WRITE, b, Math.abs(s)));
        }
        try {
            v.log_.rewrite(entries);
        } catch (IOException e) {
            throw new VolumeException.Unavailable("cannot checkpoint the local cache of " + v.name + ": " + e.getMessage(), e);
        }
    }

    void stop() {
        Metrics.forget(v.name.value());
        if (ticker != null) ticker.shutdownNow();
        if (puts != null) puts.shutdownNow();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VolumeException.Unavailable("interrupted", e);
        }
    }
}
