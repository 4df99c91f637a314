package dev.strata.volume;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A volume attached on this node: the {@link BlockTarget} a ublk device serves. Writes land
 * in a local sparse file (+ a metadata log); FLUSH fsyncs both. An {@link Uploader} packs
 * dirty blocks and commits manifest generations in the background, under this node's
 * ownership epoch. Reads come from the local file, else through the manifest chain from
 * the bucket. Once fenced (a newer epoch exists) every write and flush fails.
 */
public final class AttachedVolume implements BlockTarget, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AttachedVolume.class);
    private static final int STRIPES = 256;

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
    final Clock clock;
    final FileChannel data;
    final Path dir;
    final Holes holes;
    /** The local disk under the cache: short of space or full. */
    final DiskSpace space;
    /** A hole was punched since the last FLUSH: the next one fsyncs metadata too (the extent map). */
    final java.util.concurrent.atomic.AtomicBoolean punched = new java.util.concurrent.atomic.AtomicBoolean();
    final MetaLog log_;
    final BlockStates states;
    final AtomicLong seq;
    final Object[] stripes = new Object[STRIPES];
    final ReentrantReadWriteLock cutLock = new ReentrantReadWriteLock();
    final Uploader uploader;
    /** The group-snapshot latch: writes and FLUSHes pass it on the way in. */
    final WriteGate gate;
    private final GroupLatch groupLatch;
    volatile long sizeBytes;
    volatile long committedSeq;
    /**
     * The committed sequence the local log records (after a crash, replay trusts every block
     * written above it as dirty). Only blocks at or below it may be evicted: a block evicted
     * on the strength of a commit the log never recorded would come back after a crash as a
     * dirty block reading zeros.
     */
    volatile long durableCommittedSeq;
    volatile List<Manifest> chain;
    volatile Registry.GenerationRef committed;
    volatile Freeze freeze;
    volatile String fencedReason;
    /** Set when the holder hands the volume over (the controller's unpublish): writes fail from then on. */
    volatile String releasing;
    final HolderLease lease;
    private final io.prometheus.metrics.core.datapoints.CounterDataPoint readBytes, writeBytes;

    AttachedVolume(CacheFiles.Opened opened, Registry registry, PackCache packs, EngineOptions options, Clock clock) {
        this.name = opened.name();
        this.epoch = opened.epoch();
        this.pool = opened.pool();
        this.registry = registry;
        this.packs = packs;
        this.options = options;
        this.clock = clock;
        this.data = opened.data();
        this.holes = opened.holes();
        this.dir = opened.dir();
        this.space = new DiskSpace(dir);
        this.log_ = opened.log();
        this.states = opened.states();
        this.seq = new AtomicLong(opened.maxSeq());
        this.committedSeq = opened.committedSeq();
        this.durableCommittedSeq = opened.committedSeq();
        this.chain = opened.chain();
        this.committed = opened.committed();
        this.blockSize = chain.getFirst().blockSize();
        this.blocksPerChunk = chain.getFirst().chunkSize() / blockSize;
        this.sizeBytes = opened.sizeBytes();
        this.reads = new ReadAhead(packs, pool, blockSize, blocksPerChunk, packs.capacity(), name.value());
        for (int i = 0; i < STRIPES; i++) stripes[i] = new Object();
        this.uploader = new Uploader(this);
        this.lease = new HolderLease(name, epoch, registry.ownership(), opened.lease(), System::nanoTime, this::fence);
        this.gate = new WriteGate(clock);
        this.groupLatch = new GroupLatch(name, gate, uploader);
        this.readBytes = Metrics.io(name.value(), "read");
        this.writeBytes = Metrics.io(name.value(), "write");
    }

    /**
     * Attaches {@code name} under ownership {@code epoch}, with its local cache in {@code dir}.
     * Fenced if a newer epoch exists. A local cache from another incarnation, another epoch
     * or behind the bucket's newest generation is discarded, never uploaded.
     */
    public static AttachedVolume attach(Registry registry, PackCache packs, VolumeName name, long epoch, Path dir,
                                        EngineOptions options, Clock clock) {
        CacheFiles.Opened opened = CacheFiles.open(registry, name, epoch, dir);
        AttachedVolume v = new AttachedVolume(opened, registry, packs, options, clock);
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

    Object stripe(long block) {
        return stripes[(int) (block % STRIPES)];
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
        while (dst.hasRemaining()) {
            long block = offset / blockSize;
            int within = (int) (offset % blockSize);
            int n = Math.min(dst.remaining(), blockSize - within);
            ByteBuffer part = dst.slice(dst.position(), n);
            boolean local;
            synchronized (stripe(block)) {
                long state = states.get(block);
                local = state != BlockStates.ABSENT;
                if (state < 0) zero(part);
                else if (local) readFully(part, offset);
            }
            if (!local) {
                // not local: from the node's clean cache or the bucket, without filling the local file and
                // without the stripe (a write racing this read is concurrent with it: either content is right)
                byte[] content = remote(block);
                if (content.length == 0) zero(part);
                else part.put(content, within, n);
            }
            dst.position(dst.position() + n);
            offset += n;
        }
    }

    /** The block's committed content from the manifests ({@link PackCache#ZERO} for zeros). */
    private byte[] remote(long block) {
        return reads.read(chain, block);
    }

    /** Makes the block local (fetching it when absent); returns its state. Holds its stripe. */
    long ensureLocal(long block) {
        long state = states.get(block);
        if (state < 0) {
            // zeroed: its bytes in the file may predate a hole that a crash kept from the disk
            zeroLocally(block);
            return state;
        }
        if (state != BlockStates.ABSENT) return state;
        byte[] content = remote(block);
        if (content.length == 0) {
            zeroLocally(block);
        } else {
            writeFully(ByteBuffer.wrap(content), block * blockSize);
        }
        states.set(block, BlockStates.CLEAN);
        return BlockStates.CLEAN;
    }

    @Override
    public void write(long offset, ByteBuffer src) {
        checkRange(offset, src.remaining());
        checkWritable();
        writeBytes.inc(src.remaining());
        int start = src.position();
        gate.enter();
        try {
            space.whileFull(() -> writeOnce(offset + (src.position() - start), src));
        } finally {
            gate.exit();
        }
        acknowledge();
    }

    /** Writes what remains of {@code src}, block by block, advancing it as blocks land. */
    private void writeOnce(long offset, ByteBuffer src) {
        cutLock.readLock().lock();
        try {
            while (src.hasRemaining()) {
                long block = offset / blockSize;
                int within = (int) (offset % blockSize);
                int n = Math.min(src.remaining(), blockSize - within);
                ByteBuffer part = src.slice(src.position(), n);
                synchronized (stripe(block)) {
                    long before = n == blockSize ? states.get(block) : ensureLocal(block);
                    preserveIfFrozen(block);
                    writeFully(part, offset);
                    long s = seq.incrementAndGet();
                    states.set(block, s);
                    log_.append(MetaLog.WRITE, block, s);
                    uploader.dirtied(BlockStates.seqOf(before) <= committedSeq);
                }
                src.position(src.position() + n);
                offset += n;
            }
        } finally {
            cutLock.readLock().unlock();
        }
    }

    @Override
    public void flush() {
        checkWritable();
        gate.enter();
        try {
            flushLatched();
        } finally {
            gate.exit();
        }
    }

    private void flushLatched() {
        space.whileFull(() -> {
            boolean metadata = punched.getAndSet(false);
            try {
                data.force(metadata);
                log_.sync();
            } catch (IOException e) {
                if (metadata) punched.set(true);
                throw space.failure(name, "fsync", e);
            }
        });
        if (options.sync()) uploader.drain();
        acknowledge();
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
                long blocks = Math.min((end - offset) / blockSize, ZERO_BATCH);
                gate.enter();
                try {
                    zeroBlocks(block, block + blocks);
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

    /** How long a hand-over keeps trying to upload before it reports the bucket unreachable (the caller may repeat it). */
    static final long RELEASE_DRAIN_MILLIS = 30_000;

    /** Whole blocks zeroed per batch: one hole punched for each run of them. */
    static final int ZERO_BATCH = 256;

    /**
     * Zeroes whole blocks {@code [from, to)}. First each block's state becomes a tombstone
     * (reads return zeros from then on, the file's bytes no longer matter); then, holding off
     * writes, one hole is punched per run of blocks still in that state (a block written in
     * between keeps its new bytes). A syscall per run instead of per block: punching is a
     * filesystem transaction.
     */
    private void zeroBlocks(long from, long to) {
        long[] marked = new long[(int) (to - from)];
        boolean any = false;
        cutLock.readLock().lock();
        try {
            for (long block = from; block < to; block++) {
                synchronized (stripe(block)) {
                    long before = states.get(block);
                    // already zeroed, or never written here and in no committed chunk: nothing changes
                    if (before < 0 || before == BlockStates.ABSENT && !committedChunk(block)) continue;
                    preserveIfFrozen(block);
                    long s = seq.incrementAndGet();
                    states.set(block, -s);
                    log_.append(MetaLog.ZERO, block, s);
                    uploader.dirtied(BlockStates.seqOf(before) <= committedSeq);
                    marked[(int) (block - from)] = -s;
                    any = true;
                }
            }
        } finally {
            cutLock.readLock().unlock();
        }
        if (!any) return;
        cutLock.writeLock().lock();
        try {
            long run = -1;
            for (long block = from; block <= to; block++) {
                boolean still = block < to && marked[(int) (block - from)] != 0 && states.get(block) == marked[(int) (block - from)];
                if (still && run < 0) run = block;
                if (!still && run >= 0) {
                    zeroLocally(run, block - run);
                    run = -1;
                }
            }
        } finally {
            cutLock.writeLock().unlock();
        }
    }

    /** Whether any manifest of the chain holds packs for the block's chunk. */
    private boolean committedChunk(long block) {
        int chunk = (int) (block / blocksPerChunk);
        for (Manifest m : chain)
            if (m.chunks().containsKey(chunk)) return true;
        return false;
    }

    /** Makes the block's bytes in the file zeros. Holds its stripe. */
    private void zeroLocally(long block) {
        zeroLocally(block, 1);
    }

    /** Makes {@code count} blocks' bytes in the file zeros: a hole where the filesystem can punch one. */
    private void zeroLocally(long block, long count) {
        long at = block * blockSize;
        if (holes.punch(at, count * blockSize)) {
            punched.set(true);
            return;
        }
        ByteBuffer zeros = ByteBuffer.allocate(blockSize);
        for (long i = 0; i < count; i++) writeFully(zeros.clear(), at + i * blockSize);
    }

    private void preserveIfFrozen(long block) {
        Freeze f = freeze;
        if (f != null) f.preserve(block, this);
    }

    /** The block's bytes as the uploader packs them: null for zeros. Holds its stripe. */
    byte[] frozenContent(long block, Freeze f) {
        synchronized (stripe(block)) {
            byte[] kept = f.preserved(block);
            if (kept != null) return PackFormat.isZero(kept) ? null : kept;
            if (states.get(block) < 0) return null;
            ByteBuffer b = ByteBuffer.allocate(blockSize);
            readFully(b, block * blockSize);
            return PackFormat.isZero(b.array()) ? null : b.array();
        }
    }

    void readFully(ByteBuffer dst, long position) {
        try {
            while (dst.hasRemaining()) {
                int n = data.read(dst, position);
                if (n < 0) {
                    zero(dst);
                    return;
                }
                position += n;
            }
        } catch (IOException e) {
            throw new VolumeException.Unavailable("cannot read the local cache of " + name + ": " + e.getMessage(), e);
        }
    }

    void writeFully(ByteBuffer src, long position) {
        try {
            while (src.hasRemaining()) position += data.write(src, position);
        } catch (IOException e) {
            throw space.failure(name, "write", e);
        }
    }

    /**
     * Gives back the disk space of every block the bucket holds as it is here (committed and
     * not written since); such a block is read from the bucket again (through the node's pack
     * cache) when next needed. Only commits the local log records count (after a crash, replay
     * trusts every block above them as dirty); dirty blocks are never touched. Returns the
     * blocks evicted.
     */
    long evict() {
        if (!holes.supported()) return 0;
        long evicted = 0;
        long durable = durableCommittedSeq;
        for (long block : states.clean(durable)) {
            synchronized (stripe(block)) {
                long state = states.get(block);
                if (state <= 0 || BlockStates.seqOf(state) > durable) continue;
                if (!holes.punch(block * blockSize, blockSize)) break;
                states.set(block, BlockStates.ABSENT);
                evicted++;
            }
        }
        if (evicted == 0) return 0;
        punched.set(true);
        Metrics.evicted(evicted * blockSize);
        log.atInfo().setMessage("local cache short of space: evicted blocks the bucket holds")
                .addKeyValue("volume", name.value()).addKeyValue("blocks", evicted)
                .addKeyValue("bytes", evicted * blockSize).log();
        return evicted;
    }

    private static void zero(ByteBuffer b) {
        while (b.hasRemaining()) b.put((byte) 0);
    }

    /** Grows the volume (online): the cache file now; the manifest at the next commit. */
    public void grow(long newSize) {
        if (newSize <= sizeBytes) return;
        sizeBytes = Sizes.roundUp(newSize, blockSize);
    }

    // ---- what the node and the controller ask of an attached volume ----------------------

    /** Commits everything written so far; returns the pool-relative key of that manifest. */
    public String cut() {
        return uploader.cycle(true).key();
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
        uploader.drain(RELEASE_DRAIN_MILLIS);
    }

    /** A live snapshot: a cut committed, then recorded as {@code volume@seq}. */
    public SnapshotRecord snapshot(String csiName) {
        return registry.snapshots().create(name, csiName, cut());
    }

    /** Nanoseconds the last cut held writes off. */
    public long lastFreezeNanos() {
        return uploader.lastFreezeNanos;
    }

    public long dirtyBlocks() {
        return states.dirty(committedSeq, Long.MAX_VALUE).size();
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
            log_.sync();
            log_.close();
            holes.close();
            data.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Simulates the process dying: nothing more is synced or uploaded (tests). */
    void crash() {
        lease.close();
        uploader.stop();
        try {
            log_.abandon();
            holes.close();
            data.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static FileChannel openData(Path file) throws IOException {
        return dev.strata.store.PrivateFiles.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }
}
