package dev.strata.volume;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attached volume's local cache, and the only owner of its state: the sparse data file
 * (block b at b × block size), its holes, the block states, the metadata log, the stripe
 * locks, the cut lock and the disk space under it. Writes land here; the committer sees it
 * only as a {@link CutSource}, and it sees the committed volume only as
 * {@link CommittedBlocks} — it never calls the committer.
 *
 * <p>Locks, in the only order they are taken: the cut lock (read by writers, write by a cut
 * or a commit), then a block's stripe, then the log's monitor. A cut or commit never awaits
 * the cut lock while holding the log's monitor ({@link #committed} releases one before it
 * takes the other: that once deadlocked a ublk queue thread against the uploader).
 */
final class LocalCache implements CutSource {
    private static final Logger log = LoggerFactory.getLogger(LocalCache.class);
    private static final int STRIPES = 256;
    /** Whole blocks zeroed per batch: one hole punched for each run of them. */
    static final int ZERO_BATCH = 256;

    private final VolumeName name;
    private final long epoch;
    private final int blockSize;
    private final Clock clock;
    private final FileChannel data;
    private final Holes holes;
    /** The local disk under the cache: short of space or full. */
    final DiskSpace space;
    /** A hole was punched since the last FLUSH: the next one fsyncs metadata too (the extent map). */
    private final AtomicBoolean punched = new AtomicBoolean();
    private final MetaLog metaLog;
    private final BlockStates states;
    private final AtomicLong seq;
    private final Object[] stripes = new Object[STRIPES];
    private final ReentrantReadWriteLock cutLock = new ReentrantReadWriteLock();
    private final CommittedBlocks committed;
    private volatile long committedSeq;
    /**
     * The committed sequence the local log records (after a crash, replay trusts every block
     * written above it as dirty). Only blocks at or below it may be evicted: a block evicted
     * on the strength of a commit the log never recorded would come back after a crash as a
     * dirty block reading zeros.
     */
    private volatile long durableCommittedSeq;
    private volatile Freeze freeze;
    private final AtomicLong dirtyCount = new AtomicLong();
    private volatile long firstDirtyMillis;
    /** How long the last cut held writes off (the freeze), for metrics and benchmarks. */
    volatile long lastFreezeNanos;

    LocalCache(CacheFiles.Opened opened, int blockSize, Timing timing, CommittedBlocks committed) {
        this.name = opened.name();
        this.epoch = opened.epoch();
        this.blockSize = blockSize;
        this.clock = timing.clock();
        this.data = opened.data();
        this.holes = opened.holes();
        this.space = new DiskSpace(opened.dir(), timing.diskFull());
        this.metaLog = opened.log();
        this.states = opened.states();
        this.seq = new AtomicLong(opened.maxSeq());
        this.committedSeq = opened.committedSeq();
        this.durableCommittedSeq = opened.committedSeq();
        this.committed = committed;
        for (int i = 0; i < STRIPES; i++) stripes[i] = new Object();
        long dirty = states.countDirty(committedSeq);
        dirtyCount.set(dirty);
        if (dirty > 0) firstDirtyMillis = clock.millis();
    }

    @Override
    public int blockSize() {
        return blockSize;
    }

    private Object stripe(long block) {
        return stripes[(int) (block % STRIPES)];
    }

    // ---- the facade's side: reads, writes, zeroes, flushes ----------------------------------

    /** Fills {@code dst} from {@code offset}: local blocks from the file, others committed (not made local). */
    void read(long offset, ByteBuffer dst) {
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
                byte[] content = committed.content(block);
                if (content.length == 0) zero(part);
                else part.put(content, within, n);
            }
            dst.position(dst.position() + n);
            offset += n;
        }
    }

    /** Writes {@code src} at {@code offset}, waiting out a full disk within its policy. */
    void write(long offset, ByteBuffer src) {
        int start = src.position();
        space.whileFull(() -> writeOnce(offset + (src.position() - start), src));
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
                    metaLog.append(MetaLog.WRITE, block, s);
                    dirtied(BlockStates.seqOf(before) <= committedSeq);
                }
                src.position(src.position() + n);
                offset += n;
            }
        } finally {
            cutLock.readLock().unlock();
        }
    }

    /** Makes the block local (fetching it when absent); returns its state. Holds its stripe. */
    private long ensureLocal(long block) {
        long state = states.get(block);
        if (state < 0) {
            // zeroed: its bytes in the file may predate a hole that a crash kept from the disk
            zeroLocally(block, 1);
            return state;
        }
        if (state != BlockStates.ABSENT) return state;
        byte[] content = committed.content(block);
        if (content.length == 0) {
            zeroLocally(block, 1);
        } else {
            writeFully(ByteBuffer.wrap(content), block * blockSize);
        }
        states.set(block, BlockStates.CLEAN);
        return BlockStates.CLEAN;
    }

    private void dirtied(boolean newly) {
        if (newly && dirtyCount.getAndIncrement() == 0) firstDirtyMillis = clock.millis();
    }

    /** Makes everything written so far durable: fsync of the data file (and its extent map after a hole) and the log. */
    void flush() {
        space.whileFull(() -> {
            boolean metadata = punched.getAndSet(false);
            try {
                data.force(metadata);
                metaLog.sync();
            } catch (IOException e) {
                if (metadata) punched.set(true);
                throw space.failure(name, "fsync", e);
            }
        });
    }

    /**
     * Zeroes whole blocks {@code [from, to)}. First each block's state becomes a tombstone
     * (reads return zeros from then on, the file's bytes no longer matter); then, holding off
     * writes, one hole is punched per run of blocks still in that state (a block written in
     * between keeps its new bytes). A syscall per run instead of per block: punching is a
     * filesystem transaction.
     */
    void zeroBlocks(long from, long to) {
        long[] marked = new long[(int) (to - from)];
        boolean any = false;
        cutLock.readLock().lock();
        try {
            for (long block = from; block < to; block++) {
                synchronized (stripe(block)) {
                    long before = states.get(block);
                    // already zeroed, or never written here and in no committed chunk: nothing changes
                    if (before < 0 || before == BlockStates.ABSENT && !committed.inCommittedChunk(block)) continue;
                    preserveIfFrozen(block);
                    long s = seq.incrementAndGet();
                    states.set(block, -s);
                    metaLog.append(MetaLog.ZERO, block, s);
                    dirtied(BlockStates.seqOf(before) <= committedSeq);
                    marked[(int) (block - from)] = -s;
                    any = true;
                }
            }
        } finally {
            cutLock.readLock().unlock();
        }
        if (any) punchMarked(from, to, marked);
    }

    private void punchMarked(long from, long to, long[] marked) {
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

    /** Before a write changes a frozen block: keeps its frozen content for the cut. Holds its stripe. */
    private void preserveIfFrozen(long block) {
        Freeze f = freeze;
        if (f == null || !f.needsCopy(block)) return;
        ByteBuffer copy = ByteBuffer.allocate(blockSize);
        if (states.get(block) >= 0) readFully(copy, block * blockSize);
        f.keep(block, copy.array());
    }

    private void readFully(ByteBuffer dst, long position) {
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

    private void writeFully(ByteBuffer src, long position) {
        try {
            while (src.hasRemaining()) position += data.write(src, position);
        } catch (IOException e) {
            throw space.failure(name, "write", e);
        }
    }

    private static void zero(ByteBuffer b) {
        while (b.hasRemaining()) b.put((byte) 0);
    }

    // ---- the committer's side (CutSource) ---------------------------------------------------

    @Override
    public Freeze freeze() {
        long start = System.nanoTime();
        cutLock.writeLock().lock();
        try {
            long cut = seq.get();
            long[] blocks = states.dirty(committedSeq, cut);
            if (blocks.length == 0) return null;
            Freeze f = new Freeze(cut, blocks);
            freeze = f;
            return f;
        } finally {
            cutLock.writeLock().unlock();
            lastFreezeNanos = System.nanoTime() - start;
        }
    }

    @Override
    public byte[] frozenContent(Freeze f, long block) {
        synchronized (stripe(block)) {
            byte[] kept = f.preserved(block);
            if (kept != null) return PackFormat.isZero(kept) ? null : kept;
            if (states.get(block) < 0) return null;
            ByteBuffer b = ByteBuffer.allocate(blockSize);
            readFully(b, block * blockSize);
            return PackFormat.isZero(b.array()) ? null : b.array();
        }
    }

    @Override
    public void thaw(Freeze f) {
        if (freeze == f) freeze = null;
    }

    @Override
    public void committed(Freeze f, long generation) {
        cutLock.writeLock().lock();
        try {
            committedSeq = f.cut();
            long dirty = states.countDirty(f.cut());
            dirtyCount.set(dirty);
            firstDirtyMillis = dirty > 0 ? clock.millis() : 0;
        } finally {
            cutLock.writeLock().unlock();
        }
        // The checkpoint is derived from the block states under the log's monitor alone: a write
        // landing between the two steps is in the states (and at worst logged twice), so nothing is lost.
        synchronized (metaLog) {
            try {
                checkpoint(f.cut(), generation);
            } catch (VolumeException.Unavailable e) {
                // the rewrite needs room a full disk may not have; one more record usually fits
                try {
                    metaLog.append(MetaLog.COMMIT, f.cut(), generation);
                    metaLog.sync();
                    durableCommittedSeq = f.cut();
                } catch (IOException again) {
                    // the log still records the previous commit: those blocks stay unevictable
                }
                throw e;
            }
            durableCommittedSeq = f.cut();
        }
    }

    /** Rewrites the log as header + commit + what is still dirty. Caller holds the log's monitor. */
    private void checkpoint(long cut, long gen) {
        List<MetaLog.Entry> entries = new ArrayList<>();
        entries.add(new MetaLog.Entry(MetaLog.HEADER, epoch, gen));
        entries.add(new MetaLog.Entry(MetaLog.COMMIT, cut, gen));
        for (long b : states.dirty(cut, Long.MAX_VALUE)) {
            long s = states.get(b);
            entries.add(new MetaLog.Entry(s < 0 ? MetaLog.ZERO : MetaLog.WRITE, b, Math.abs(s)));
        }
        try {
            metaLog.rewrite(entries);
        } catch (IOException e) {
            throw new VolumeException.Unavailable("cannot checkpoint the local cache of " + name + ": " + e.getMessage(), e);
        }
    }

    @Override
    public long dirtyCount() {
        return dirtyCount.get();
    }

    @Override
    public long oldestDirtyMillis() {
        return firstDirtyMillis;
    }

    @Override
    public long dirtyBlocks() {
        return states.countDirty(committedSeq);
    }

    @Override
    public boolean shortOfSpace() {
        return space.isShort();
    }

    /**
     * Gives back the disk space of every block the bucket holds as it is here (committed and
     * not written since); such a block is read from the bucket again (through the node's pack
     * cache) when next needed. Only commits the local log records count (after a crash, replay
     * trusts every block above them as dirty); dirty blocks are never touched. Returns the
     * blocks evicted.
     */
    @Override
    public long evict() {
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

    // ---- lifetime ----------------------------------------------------------------------------

    /** Syncs and closes the log and the data file. */
    void close() throws IOException {
        metaLog.sync();
        metaLog.close();
        holes.close();
        data.close();
    }

    /** Simulates the process dying: nothing more is synced (tests). */
    void crash() throws IOException {
        metaLog.abandon();
        holes.close();
        data.close();
    }

    static FileChannel openData(Path file) throws IOException {
        return dev.strata.store.PrivateFiles.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }
}
