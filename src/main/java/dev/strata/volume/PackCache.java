package dev.strata.volume;

import dev.strata.store.ObjectKey;
import dev.strata.store.ObjectStore;
import dev.strata.store.StoreException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads blocks out of packs in the bucket, for every volume on a node. Pack indexes and
 * decoded blocks are kept in bounded LRU caches keyed by pack id: packs are
 * content-addressed and shared by forks, so a hundred forks of one image on a node fetch
 * its blocks once. A miss fetches the block and the blocks after it in the same pack with
 * one ranged GET (readahead). Every block is checked against its CRC32C: bad data is an
 * error, never returned.
 */
public final class PackCache {
    /** A block that is all zeros (a tombstone, or no pack holds it). */
    static final byte[] ZERO = new byte[0];
    static final int READAHEAD_BYTES = 4 << 20;

    private final Bucket bucket;
    private final long maxBlockBytes;
    private final Map<PackId, PackFormat.Index> indexes = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<PackId, PackFormat.Index> eldest) {
            return size() > 4096;
        }
    };
    private final LinkedHashMap<String, byte[]> blocks = new LinkedHashMap<>(1024, 0.75f, true);
    private long blockBytes;
    private long hits, misses;

    private final Retry readRetry;

    public PackCache(ObjectStore store, long maxBlockBytes) {
        this(store, maxBlockBytes, Timing.system().bucketRead());
    }

    /** With a bound of {@code readRetry} on how long a read of a block only the bucket has rides out an outage. */
    public PackCache(ObjectStore store, long maxBlockBytes, java.time.Duration readRetry) {
        this(store, maxBlockBytes, Timing.system().bucketRead().within(readRetry));
    }

    /**
     * @param readRetry how a ranged GET is retried while the bucket is unavailable, on top of the
     *                  SDK's own retries: a read right after a restart, before anything is cached,
     *                  rides out a short outage ({@link Timing#bucketRead()})
     */
    public PackCache(ObjectStore store, long maxBlockBytes, Retry readRetry) {
        this.bucket = new Bucket(store);
        this.maxBlockBytes = maxBlockBytes;
        this.readRetry = readRetry;
    }

    /** Where a block lives: the newest pack holding it in the first manifest of the chain that has it. */
    record Location(int chunk, PackId pack, PackFormat.Entry entry) {}

    /** Finds the block through the chain (top first); null if no manifest has it (zeros). */
    Location locate(PoolId pool, List<Manifest> chain, int chunk, int blockInChunk, int blocksPerChunk) {
        for (Manifest m : chain) {
            List<PackId> packs = m.chunks().get(chunk);
            if (packs == null) continue;
            for (int i = packs.size() - 1; i >= 0; i--) {
                PackFormat.Entry e = index(pool, chunk, packs.get(i), blocksPerChunk).find(blockInChunk);
                if (e != null) return new Location(chunk, packs.get(i), e);
            }
        }
        return null;
    }

    /** Records a pack's index known without reading it (a pack this node just uploaded). */
    void remember(PackId id, PackFormat.Index index) {
        synchronized (indexes) {
            indexes.put(id, index);
        }
    }

    PackFormat.Index index(PoolId pool, int chunk, PackId id, int blocksPerChunk) {
        synchronized (indexes) {
            PackFormat.Index cached = indexes.get(id);
            if (cached != null) return cached;
        }
        byte[] prefix = get(Layout.pack(pool, chunk, id), 0, PackFormat.maxIndexBytes(blocksPerChunk));
        PackFormat.Index index = PackFormat.decodeIndex(prefix, id.hex());
        synchronized (indexes) {
            indexes.put(id, index);
        }
        return index;
    }

    /** The block's bytes ({@link #ZERO} for a tombstone), from the cache or the bucket. */
    byte[] read(PoolId pool, Location at, int blocksPerChunk) {
        if (at.entry().isZero()) return ZERO;
        String key = at.pack().hex() + "/" + at.entry().block();
        synchronized (blocks) {
            byte[] cached = blocks.get(key);
            if (cached != null) {
                hits++;
                Metrics.cleanCache(true);
                return cached;
            }
            misses++;
            Metrics.cleanCache(false);
        }
        PackFormat.Index index = index(pool, at.chunk(), at.pack(), blocksPerChunk);
        List<PackFormat.Entry> run = readahead(index, at.entry());
        PackFormat.Entry last = run.getLast();
        long start = at.entry().offset();
        byte[] bytes = get(Layout.pack(pool, at.chunk(), at.pack()), start, (int) (last.offset() + last.storedLength() - start));
        byte[] wanted = null;
        for (PackFormat.Entry e : run) {
            if (e.offset() - start + e.storedLength() > bytes.length)
                throw new VolumeException.Corrupt("pack " + at.pack() + " is shorter than its index says", null);
            byte[] raw = e.isZero() ? ZERO : PackFormat.decodeBlock(e, bytes, (int) (e.offset() - start), at.pack().hex());
            if (e == at.entry()) wanted = raw;
            if (!e.isZero()) remember(at.pack().hex() + "/" + e.block(), raw);
        }
        return wanted;
    }

    private static List<PackFormat.Entry> readahead(PackFormat.Index index, PackFormat.Entry first) {
        int from = index.entries().indexOf(first);
        int to = from + 1;
        long end = first.offset() + first.storedLength();
        while (to < index.entries().size()) {
            PackFormat.Entry next = index.entries().get(to);
            if (next.offset() != end || next.offset() + next.storedLength() - first.offset() > READAHEAD_BYTES) break;
            end = next.offset() + next.storedLength();
            to++;
        }
        return index.entries().subList(from, to);
    }

    private void remember(String key, byte[] raw) {
        synchronized (blocks) {
            if (blocks.put(key, raw) == null) blockBytes += raw.length;
            var it = blocks.entrySet().iterator();
            while (blockBytes > maxBlockBytes && it.hasNext()) {
                blockBytes -= it.next().getValue().length;
                it.remove();
            }
        }
    }

    private byte[] get(ObjectKey key, long offset, int length) {
        try {
            return readRetry.call(() -> bucket.readRange(key, offset, length), PackCache::outage, Metrics::readRetried);
        } catch (VolumeException.Unavailable e) {
            if (!outage(e)) throw e;
            throw new VolumeException.Unavailable("cannot read " + key + " (retried for " + readRetry.bound().toSeconds()
                    + " s): " + e.getMessage(), e);
        }
    }

    /** The bucket could not be reached (worth retrying), as opposed to a store that refuses or an interrupt. */
    private static boolean outage(RuntimeException e) {
        return e instanceof VolumeException.Unavailable && e.getCause() instanceof StoreException.Unavailable;
    }

    /** Cache hits and misses so far (for metrics). */
    public long[] counters() {
        synchronized (blocks) {
            return new long[] {hits, misses};
        }
    }
}
