package dev.strata.volume;

import dev.strata.store.ObjectKey;
import dev.strata.store.ObjectStore;
import dev.strata.store.StoreException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Reads blocks out of packs in the bucket, for every volume on a node. Pack indexes and
 * decoded blocks are kept in bounded LRU caches keyed by pack id: packs are
 * content-addressed and shared by forks, so a hundred forks of one image on a node fetch
 * its blocks once. Concurrent misses of one block (or one pack's index) share one GET, and a
 * caller waiting for the bucket holds no lock of the cache. A miss fetches the block, and as
 * many blocks stored after it in the same pack as the caller asks for, with one ranged GET
 * ({@link ReadAhead} decides how many, per volume). Every block is checked against its
 * CRC32C: bad data is an error, never returned.
 */
public final class PackCache {
    /** A block that is all zeros (a tombstone, or no pack holds it). */
    static final byte[] ZERO = new byte[0];
    /** The most one ranged GET of blocks fetches. */
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
    private final InFlight<PackId, PackFormat.Index> indexLoads = new InFlight<>();
    private final InFlight<String, byte[]> blockLoads = new InFlight<>();
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

    /** The budget for decoded blocks, in bytes. */
    long capacity() {
        return maxBlockBytes;
    }

    /** Where a block lives: the newest pack holding it in the first manifest of the chain that has it. */
    record Location(int chunk, PackId pack, PackFormat.Entry entry) {}

    /**
     * Finds the block through the chain (top first); null if no manifest has it (zeros). A
     * manifest's packs of the chunk are searched newest first; the indexes not cached yet are
     * all fetched at once as the search starts, not one after another as it reaches them: a
     * block of the chunk's oldest pack would otherwise wait for one index GET per pack (16
     * round trips for a 64 MiB chunk written in one go).
     */
    Location locate(PoolId pool, List<Manifest> chain, int chunk, int blockInChunk, int blocksPerChunk) {
        for (Manifest m : chain) {
            List<PackId> packs = m.chunks().get(chunk);
            if (packs == null) continue;
            if (packs.size() > 1) loadIndexes(pool, chunk, packs, blocksPerChunk);
            for (int i = packs.size() - 1; i >= 0; i--) {
                PackFormat.Entry e = index(pool, chunk, packs.get(i), blocksPerChunk).find(blockInChunk);
                if (e != null) return new Location(chunk, packs.get(i), e);
            }
        }
        return null;
    }

    /** The most pack indexes {@link #locate} starts fetching at once. */
    static final int INDEX_BATCH = 32;

    /**
     * Starts fetching the indexes of {@code packs} not cached or under way yet (at most {@link
     * #INDEX_BATCH}, newest first) and returns: the search joins each load when it reaches its
     * pack, so a block found in a newer pack does not wait for an older pack's index, and a
     * failed load is reported by the search that needs it (a failed load is not kept).
     */
    private void loadIndexes(PoolId pool, int chunk, List<PackId> packs, int blocksPerChunk) {
        List<PackId> missing = new ArrayList<>();
        synchronized (indexes) {
            for (int i = packs.size() - 1; i >= 0 && missing.size() < INDEX_BATCH; i--) {
                PackId id = packs.get(i);
                if (!indexes.containsKey(id) && indexLoads.pending(id) == null) missing.add(id);
            }
        }
        if (missing.size() < 2) return; // the search fetches a single one itself
        for (PackId id : missing) INDEX_LOADERS.execute(() -> {
            try {
                index(pool, chunk, id, blocksPerChunk);
            } catch (RuntimeException e) {
                // not kept: the search that reaches this pack loads it again and reports the failure
            }
        });
    }

    private static final Executor INDEX_LOADERS = task -> Thread.ofVirtual().name("strata-index-get").start(task);

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
        return indexLoads.load(id, () -> {
            synchronized (indexes) {
                PackFormat.Index cached = indexes.get(id); // loaded while this caller was claiming
                if (cached != null) return cached;
            }
            byte[] prefix = get(Layout.pack(pool, chunk, id), 0, PackFormat.maxIndexBytes(blocksPerChunk));
            PackFormat.Index index = PackFormat.decodeIndex(prefix, id.hex());
            remember(id, index);
            return index;
        });
    }

    /** The block's bytes ({@link #ZERO} for a tombstone), from the cache or the bucket (this block alone). */
    byte[] read(PoolId pool, Location at, int blocksPerChunk) {
        return InFlight.join(fetch(pool, at, blocksPerChunk, 1, Runnable::run));
    }

    /**
     * The block at {@code at}: cached, a GET of it under way (shared, never repeated), or a new
     * ranged GET run on {@code gets} of it and of up to {@code blocks - 1} blocks stored after it
     * in its pack that are neither cached nor being fetched. With a direct executor the GET runs
     * in the caller; either way the caller waits holding no lock of this cache.
     */
    CompletableFuture<byte[]> fetch(PoolId pool, Location at, int blocksPerChunk, int blocks, Executor gets) {
        return fetch(pool, at, blocksPerChunk, blocks, gets, true);
    }

    /** As {@link #fetch} for blocks nobody asked for yet (readahead): not counted as hits or misses. */
    CompletableFuture<byte[]> prefetch(PoolId pool, Location at, int blocksPerChunk, int blocks, Executor gets) {
        return fetch(pool, at, blocksPerChunk, blocks, gets, false);
    }

    private CompletableFuture<byte[]> fetch(PoolId pool, Location at, int blocksPerChunk, int blocks, Executor gets, boolean count) {
        if (at.entry().isZero()) return CompletableFuture.completedFuture(ZERO);
        String key = key(at.pack(), at.entry());
        while (true) {
            byte[] cached = cached(key, count);
            count = false;
            if (cached != null) return CompletableFuture.completedFuture(cached);
            CompletableFuture<byte[]> under = blockLoads.pending(key);
            if (under != null) return under;
            List<Claimed> run = claimRun(index(pool, at.chunk(), at.pack(), blocksPerChunk), at, blocks);
            if (run.isEmpty()) continue; // claimed by another reader in between: join it
            gets.execute(() -> load(pool, at, run));
            return run.getFirst().load();
        }
    }

    /** A block whose load this caller claimed. */
    private record Claimed(PackFormat.Entry entry, String key, CompletableFuture<byte[]> load) {}

    /** Claims the block and the stored blocks after it (up to {@code blocks} and {@link #READAHEAD_BYTES}, stopping at one cached or claimed). */
    private List<Claimed> claimRun(PackFormat.Index index, Location at, int blocks) {
        List<Claimed> run = new ArrayList<>();
        List<PackFormat.Entry> entries = index.entries();
        long start = at.entry().offset(), end = start;
        for (int i = entries.indexOf(at.entry()); i < entries.size() && run.size() < blocks; i++) {
            PackFormat.Entry e = entries.get(i);
            if (e.offset() != end || e.offset() + e.storedLength() - start > READAHEAD_BYTES) break;
            String key = key(at.pack(), e);
            if (!run.isEmpty() && cached(key, false) != null) break;
            CompletableFuture<byte[]> load = blockLoads.claim(key);
            if (load == null) break;
            byte[] cached = cached(key, false); // cached by a load that ended before this claim
            if (cached != null) {
                blockLoads.complete(key, load, cached);
                break;
            }
            run.add(new Claimed(e, key, load));
            end = e.offset() + e.storedLength();
        }
        return run;
    }

    /** Fetches a claimed run with one ranged GET, caches its blocks, then ends their loads. */
    private void load(PoolId pool, Location at, List<Claimed> run) {
        try {
            long start = run.getFirst().entry().offset();
            PackFormat.Entry last = run.getLast().entry();
            byte[] bytes = get(Layout.pack(pool, at.chunk(), at.pack()), start, (int) (last.offset() + last.storedLength() - start));
            List<byte[]> decoded = new ArrayList<>(run.size());
            for (Claimed c : run) {
                PackFormat.Entry e = c.entry();
                if (e.offset() - start + e.storedLength() > bytes.length)
                    throw new VolumeException.Corrupt("pack " + at.pack() + " is shorter than its index says", null);
                decoded.add(e.isZero() ? ZERO : PackFormat.decodeBlock(e, bytes, (int) (e.offset() - start), at.pack().hex()));
            }
            for (int i = 0; i < run.size(); i++) {
                if (decoded.get(i).length > 0) remember(run.get(i).key(), decoded.get(i));
                blockLoads.complete(run.get(i).key(), run.get(i).load(), decoded.get(i));
            }
        } catch (RuntimeException | Error e) {
            for (Claimed c : run) blockLoads.fail(c.key(), c.load(), e);
        }
    }

    private static String key(PackId pack, PackFormat.Entry e) {
        return pack.hex() + "/" + e.block();
    }

    /** A cached block or null; {@code count} records a hit or miss. */
    private byte[] cached(String key, boolean count) {
        synchronized (blocks) {
            byte[] cached = blocks.get(key);
            if (count) {
                if (cached != null) hits++;
                else misses++;
                Metrics.cleanCache(cached != null);
            }
            return cached;
        }
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
