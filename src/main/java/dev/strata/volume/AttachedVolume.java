package dev.strata.volume;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A volume attached on this node: the {@link BlockTarget} a ublk device serves, and its
 * fencing. Two parts do the work, each the only owner of its state: the {@link LocalCache}
 * (writes land in a local sparse file + a metadata log; FLUSH fsyncs both) and the
 * {@link Uploader}, the committer, which freezes the dirty set, packs and uploads it and
 * publishes each commit under this node's ownership epoch. Reads come from the local file,
 * else through the committed manifest chain from the bucket. This facade checks ranges,
 * passes the group-snapshot gate, and acknowledges a write or flush only while the volume is
 * still this node's: once fenced (a newer epoch exists) or handed over, every write and
 * flush fails.
 */
public final class AttachedVolume implements BlockTarget, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AttachedVolume.class);

    final VolumeName name;
    final long epoch;
    final int blockSize;
    final int blocksPerChunk;
    final PoolId pool;
    final Registry registry;
    final PackCache packs;
    /** Reads of blocks that are not local: bounded GETs in flight, readahead on sequential access. */
    final ReadAhead reads;
    /** Replaced whole by {@link #retune}; the uploader and FLUSH read it afresh each time. */
    volatile EngineOptions options;
    final Timing timing;
    /** The local cache: data file, holes, block states, meta log, stripes, disk space. */
    final LocalCache cache;
    /** The committer. */
    final Uploader uploader;
    /** The group-snapshot latch: writes and FLUSHes pass it on the way in. */
    final WriteGate gate;
    private final GroupLatch groupLatch;
    volatile long sizeBytes;
    volatile String fencedReason;
    /** Set when the holder hands the volume over (the controller's unpublish): writes fail from then on. */
    volatile String releasing;
    final HolderLease lease;
    private final io.prometheus.metrics.core.datapoints.CounterDataPoint readBytes, writeBytes;

    AttachedVolume(CacheFiles.Opened opened, Registry registry, PackCache packs, EngineOptions options, Timing timing) {
        this.name = opened.name();
        this.epoch = opened.epoch();
        this.pool = opened.pool();
        this.registry = registry;
        this.packs = packs;
        this.options = options;
        this.timing = timing;
        Manifest top = opened.chain().getFirst();
        this.blockSize = top.blockSize();
        this.blocksPerChunk = top.chunkSize() / blockSize;
        this.sizeBytes = opened.sizeBytes();
        this.reads = new ReadAhead(packs, pool, blockSize, blocksPerChunk, packs.capacity(), name.value());
        this.cache = new LocalCache(opened, blockSize, timing, new Committed());
        Uploader.Fence fence = new Uploader.Fence() {
            @Override public void check() { checkFenced(); }
            @Override public boolean isFenced() { return fencedReason != null; }
            @Override public void fence(String reason) { AttachedVolume.this.fence(reason); }
        };
        this.uploader = new Uploader(name, epoch, pool, blocksPerChunk, registry, packs, cache, () -> this.options,
                () -> this.sizeBytes, timing, fence, new Commit(opened.committed(), opened.chain()));
        this.lease = new HolderLease(name, epoch, registry.ownership(), opened.lease(), System::nanoTime, this::fence);
        this.gate = new WriteGate(timing.clock());
        this.groupLatch = new GroupLatch(name, gate, uploader);
        this.readBytes = Metrics.io(name.value(), "read");
        this.writeBytes = Metrics.io(name.value(), "write");
    }

    /** The committed volume as the local cache sees it: through the committer's newest chain and the node's pack cache. */
    private final class Committed implements CommittedBlocks {
        @Override
        public byte[] content(long block) {
            return reads.read(uploader.commit().chain(), block);
        }

        @Override
        public boolean inCommittedChunk(long block) {
            int chunk = (int) (block / blocksPerChunk);
            for (Manifest m : uploader.commit().chain())
                if (m.chunks().containsKey(chunk)) return true;
            return false;
        }
    }

    /**
     * Attaches {@code name} under ownership {@code epoch}, with its local cache in {@code dir}.
     * Fenced if a newer epoch exists. A local cache from another incarnation, another epoch
     * or behind the bucket's newest generation is discarded, never uploaded.
     */
    public static AttachedVolume attach(Registry registry, PackCache packs, VolumeName name, long epoch, Path dir,
                                        EngineOptions options, Clock clock) {
        return attach(registry, packs, name, epoch, dir, options, Timing.of(clock));
    }

    /** As above, with the clock, sleeper and retry policies of {@code timing} (tests drive them). */
    public static AttachedVolume attach(Registry registry, PackCache packs, VolumeName name, long epoch, Path dir,
                                        EngineOptions options, Timing timing) {
        CacheFiles.Opened opened = CacheFiles.open(registry, name, epoch, dir);
        AttachedVolume v = new AttachedVolume(opened, registry, packs, options, timing);
        v.lease.start();
        v.uploader.start();
        log.atInfo().setMessage("volume attached").addKeyValue("volume", name.value()).addKeyValue("epoch", epoch)
                .addKeyValue("generation", opened.committed().number()).addKeyValue("dirtyBlocks", v.dirtyBlocks()).log();
        return v;
    }

    @Override
    public long sizeBytes() {
        return sizeBytes;
    }

    private void checkRange(long offset, long length) {
        if (offset < 0 || length < 0 || offset + length > sizeBytes)
            throw new VolumeException.OutOfRange("I/O at " + offset + "+" + length + " is outside the volume's " + sizeBytes + " bytes");
    }

    void checkFenced() {
        String reason = fencedReason;
        if (reason != null) throw new VolumeException.Fenced("volume " + name + " is fenced: " + reason);
    }

    /** Whether a write may start: not fenced, not being handed over. */
    private void checkWritable() {
        checkFenced();
        String handover = releasing;
        if (handover != null) throw new VolumeException.Fenced("volume " + name + " is being handed over: " + handover);
    }

    /**
     * The last step before a write, write-zeroes or flush returns success: the volume is still
     * this node's (not fenced, not handed over, its epoch confirmed within the lease). Whatever
     * it wrote stays in the cache and is uploaded — or dropped with the epoch — but is not
     * acknowledged.
     */
    private void acknowledge() {
        checkWritable();
        lease.check();
    }

    @Override
    public void read(long offset, ByteBuffer dst) {
        checkRange(offset, dst.remaining());
        readBytes.inc(dst.remaining());
        cache.read(offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src) {
        checkRange(offset, src.remaining());
        checkWritable();
        writeBytes.inc(src.remaining());
        gate.enter();
        try {
            cache.write(offset, src);
        } finally {
            gate.exit();
        }
        acknowledge();
    }

    @Override
    public void flush() {
        checkWritable();
        gate.enter();
        try {
            cache.flush();
            if (options.sync()) uploader.drain();
            acknowledge();
        } finally {
            gate.exit();
        }
    }

    @Override
    public void discard(long offset, long length) {
        writeZeroes(offset, length);
    }

    @Override
    public void writeZeroes(long offset, long length) {
        checkRange(offset, length);
        checkWritable();
        long end = offset + length;
        while (offset < end) {
            long block = offset / blockSize;
            int within = (int) (offset % blockSize);
            if (within == 0 && end - offset >= blockSize) {
                long blocks = Math.min((end - offset) / blockSize, LocalCache.ZERO_BATCH);
                gate.enter();
                try {
                    cache.zeroBlocks(block, block + blocks);
                } finally {
                    gate.exit();
                }
                offset += blocks * blockSize;
            } else {
                int n = (int) Math.min(end - offset, blockSize - within);
                write(offset, ByteBuffer.allocate(n));
                offset += n;
            }
        }
        acknowledge();
    }

    /** Gives back the space of blocks the bucket holds as they are here (see {@link LocalCache#evict}). */
    long evict() {
        return cache.evict();
    }

    /** The generation the committer last committed (or found at attach). */
    Registry.GenerationRef committed() {
        return uploader.commit().generation();
    }

    /** Grows the volume (online): the cache file now; the manifest at the next commit. */
    public void grow(long newSize) {
        if (newSize <= sizeBytes) return;
        sizeBytes = Sizes.roundUp(newSize, blockSize);
    }

    // ---- what the node and the controller ask of an attached volume ----------------------

    /** Commits everything written so far; returns the pool-relative key of that manifest. */
    public String cut() {
        return uploader.cycle().key();
    }

    /** This volume's side of a group snapshot: prepare, latch, cut, release. */
    public GroupLatch groupLatch() {
        return groupLatch;
    }

    /** Uploads and commits until nothing is dirty (NodeUnstage, sync FLUSH). */
    public void drain() {
        uploader.drain();
    }

    /**
     * Hands the volume over (the controller's unpublish while this node still has it attached):
     * from now on every write and flush fails, then everything acknowledged is uploaded and
     * committed. Only when that succeeded may the controller take the next epoch; when it
     * fails (the bucket is unreachable) the volume stays write-blocked and the call may be
     * repeated. Idempotent.
     */
    public void release(String why) {
        if (releasing == null) {
            releasing = why;
            log.atWarn().setMessage("volume handed over: writes now fail").addKeyValue("volume", name.value())
                    .addKeyValue("epoch", epoch).addKeyValue("reason", why).log();
        }
        if (fencedReason != null) return; // fenced already: what it acknowledged is another node's concern now
        uploader.drain(timing.handOver());
    }

    /** A live snapshot: a cut committed, then recorded as {@code volume@seq}. */
    public SnapshotRecord snapshot(String csiName) {
        return registry.snapshots().create(name, csiName, cut());
    }

    /** Nanoseconds the last cut held writes off. */
    public long lastFreezeNanos() {
        return cache.lastFreezeNanos;
    }

    public long dirtyBlocks() {
        return cache.dirtyBlocks();
    }

    /**
     * Applies a changed {@code rpo} and {@code durability} (ControllerModifyVolume) without
     * detaching: the uploader's next tick keeps the new bound, the next FLUSH the new durability.
     */
    public void retune(VolumeParameters p) {
        options = options.retuned(p);
        log.atInfo().setMessage("volume retuned").addKeyValue("volume", name.value())
                .addKeyValue("rpoMillis", options.rpo().toMillis()).addKeyValue("sync", options.sync()).log();
    }

    /** Whether a FLUSH waits for the bucket (durability sync). */
    public boolean syncDurability() {
        return options.sync();
    }

    /** The recovery point objective this volume uploads within. */
    public java.time.Duration rpo() {
        return options.rpo();
    }

    /** Health as a node reports it (VolumeCondition). */
    public Health health() {
        return new Health(fencedReason, uploader.lastError(), uploader.lagMillis());
    }

    /** {@code fenced} and {@code storeError} are null when fine; {@code lagMillis} is the age of the oldest unuploaded write. */
    public record Health(String fenced, String storeError, long lagMillis) {}

    void fence(String reason) {
        if (fencedReason == null) {
            fencedReason = reason;
            log.atError().setMessage("volume fenced: writes now fail").addKeyValue("volume", name.value())
                    .addKeyValue("epoch", epoch).addKeyValue("reason", reason).log();
        }
    }

    @Override
    public void close() {
        lease.close();
        uploader.stop();
        try {
            cache.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Simulates the process dying: nothing more is synced or uploaded (tests). */
    void crash() {
        lease.close();
        uploader.stop();
        try {
            cache.crash();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
