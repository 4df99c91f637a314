package dev.strata.volume;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Changed-block metadata from manifests alone (CSI SnapshotMetadata, {@code strata snapshots
 * diff}). A snapshot's content in a chunk is fixed by its <em>effective pack list</em>: the
 * chunk's packs through the manifest chain, base first, newest last (the newest pack holding a
 * block wins). Two snapshots whose lists for a chunk are equal have equal content there: that
 * chunk is skipped without reading a pack. Otherwise the lists share a prefix; only blocks held
 * by a pack after that prefix, on either side, can differ — those packs' indexes (one small
 * ranged GET each, cached) name them. So the cost grows with the chunks and packs that differ,
 * never with the volume's size. The answer may name a block whose bytes happen to be equal in
 * both (rewritten with the same data), never omit one that differs.
 */
public final class ManifestDiff {
    /**
     * Blocks of a snapshot, ascending, each {@code blockSize} bytes at {@code block × blockSize}.
     *
     * @param blockSize     bytes per block (FIXED_LENGTH)
     * @param capacityBytes the target snapshot's size
     * @param blocks        block indexes, ascending
     */
    public record Blocks(int blockSize, long capacityBytes, long[] blocks) {}

    private final Registry registry;
    private final PackCache packs;

    public ManifestDiff(Registry registry, PackCache packs) {
        this.registry = registry;
        this.packs = packs;
    }

    /** One snapshot's effective pack lists and the pool to read its packs from. */
    private record View(SnapshotRecord snapshot, int blockSize, int chunkSize, NavigableMap<Integer, List<PackId>> chunks) {
        int blocksPerChunk() {
            return chunkSize / blockSize;
        }
    }

    private View view(SnapshotId id) {
        SnapshotRecord s = registry.snapshots().resolve(id);
        Manifest top = registry.bucket().readManifest(Layout.inPool(s.poolId(), s.manifest()));
        List<Manifest> chain = registry.chain(s.poolId(), top);
        TreeMap<Integer, List<PackId>> chunks = new TreeMap<>();
        for (Manifest m : chain.reversed())
            m.chunks().forEach((chunk, ids) -> chunks.computeIfAbsent(chunk, k -> new ArrayList<>()).addAll(ids));
        return new View(s, top.blockSize(), top.chunkSize(), chunks);
    }

    /**
     * The blocks that may differ between {@code base} and {@code target}, from the block holding
     * {@code startingOffset} on. Reading those blocks from the target and writing them over the
     * base's content yields the target's content. NotFound for a missing snapshot; OutOfRange
     * for an offset beyond the target; InvalidArgument when the block geometry differs.
     */
    public Blocks delta(SnapshotId base, SnapshotId target, long startingOffset) {
        View a = view(base), b = view(target);
        if (a.blockSize != b.blockSize || a.chunkSize != b.chunkSize)
            throw new VolumeException.InvalidArgument("snapshots " + base + " and " + target + " have different block geometry");
        long capacity = b.snapshot.sizeBytes();
        long first = firstBlock(startingOffset, capacity, b.blockSize);
        int bpc = b.blocksPerChunk();
        TreeSet<Integer> chunks = new TreeSet<>(a.chunks.keySet());
        chunks.addAll(b.chunks.keySet());
        List<long[]> parts = new ArrayList<>();
        for (int chunk : chunks.tailSet((int) (first / bpc), true)) {
            List<PackId> la = a.chunks.getOrDefault(chunk, List.of()), lb = b.chunks.getOrDefault(chunk, List.of());
            if (la.equals(lb)) continue; // shared: same packs, same content, nothing read
            int common = 0;
            while (common < la.size() && common < lb.size() && la.get(common).equals(lb.get(common))) common++;
            BitSet changed = new BitSet(bpc);
            mark(changed, a, chunk, la.subList(common, la.size()));
            mark(changed, b, chunk, lb.subList(common, lb.size()));
            parts.add(blocks(changed, chunk, bpc, first, capacity / b.blockSize));
        }
        return new Blocks(b.blockSize, capacity, concat(parts));
    }

    /** The blocks of {@code snapshot} that hold data (not zeros), from the block holding {@code startingOffset} on. */
    public Blocks allocated(SnapshotId snapshot, long startingOffset) {
        View v = view(snapshot);
        long capacity = v.snapshot.sizeBytes();
        long first = firstBlock(startingOffset, capacity, v.blockSize);
        int bpc = v.blocksPerChunk();
        List<long[]> parts = new ArrayList<>();
        for (Map.Entry<Integer, List<PackId>> e : v.chunks.tailMap((int) (first / bpc), true).entrySet()) {
            BitSet seen = new BitSet(bpc), data = new BitSet(bpc);
            List<PackId> ids = e.getValue();
            for (int i = ids.size() - 1; i >= 0; i--) {
                for (PackFormat.Entry entry : packs.index(v.snapshot.poolId(), e.getKey(), ids.get(i), bpc).entries()) {
                    if (seen.get(entry.block())) continue;
                    seen.set(entry.block());
                    if (!entry.isZero()) data.set(entry.block());
                }
            }
            parts.add(blocks(data, e.getKey(), bpc, first, capacity / v.blockSize));
        }
        return new Blocks(v.blockSize, capacity, concat(parts));
    }

    private void mark(BitSet changed, View v, int chunk, List<PackId> ids) {
        for (PackId id : ids)
            for (PackFormat.Entry e : packs.index(v.snapshot.poolId(), chunk, id, v.blocksPerChunk()).entries()) changed.set(e.block());
    }

    private static long firstBlock(long startingOffset, long capacity, int blockSize) {
        if (startingOffset < 0 || startingOffset > capacity)
            throw new VolumeException.OutOfRange("starting_offset " + startingOffset + " is outside the snapshot's "
                    + capacity + " bytes");
        return startingOffset / blockSize;
    }

    private static long[] blocks(BitSet set, int chunk, int bpc, long first, long end) {
        long[] out = new long[set.cardinality()];
        int n = 0;
        for (int i = set.nextSetBit(0); i >= 0; i = set.nextSetBit(i + 1)) {
            long block = (long) chunk * bpc + i;
            if (block >= first && block < end) out[n++] = block;
        }
        return java.util.Arrays.copyOf(out, n);
    }

    private static long[] concat(List<long[]> parts) {
        return parts.stream().flatMapToLong(java.util.Arrays::stream).toArray();
    }
}
