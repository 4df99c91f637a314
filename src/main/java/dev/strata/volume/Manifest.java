package dev.strata.volume;

import java.util.Collections;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * One immutable manifest: which packs hold the blocks of each chunk of a volume, newest pack
 * last (the newest pack holding a block wins). A manifest may name a {@code base}: another
 * immutable manifest in the same pool whose chunks show through wherever this one has none
 * (a fork or snapshot is a new manifest with the source as its base: O(1) in volume size).
 *
 * @param blockSize  bytes per block (a power of two)
 * @param chunkSize  bytes per chunk (a multiple of blockSize); a pack never spans chunks
 * @param sizeBytes  the volume's size when this manifest was written
 * @param generation the live-manifest generation (0 for snapshot and image manifests)
 * @param epoch      the ownership epoch of the writer (0 when no node wrote it)
 * @param base       pool-relative key of the base manifest, or null
 * @param chunks     chunk index → pack ids, oldest first
 */
public record Manifest(int blockSize, int chunkSize, long sizeBytes, long generation, long epoch,
                       String base, NavigableMap<Integer, List<PackId>> chunks) {
    public static final int DEFAULT_BLOCK_SIZE = 64 * 1024;
    public static final int DEFAULT_CHUNK_SIZE = 64 * 1024 * 1024;

    public Manifest {
        if (blockSize < 4096 || Integer.bitCount(blockSize) != 1)
            throw new VolumeException.InvalidArgument("block size must be a power of two of at least 4096, got " + blockSize);
        if (chunkSize < blockSize || chunkSize % blockSize != 0)
            throw new VolumeException.InvalidArgument("chunk size must be a multiple of the block size, got " + chunkSize);
        if (sizeBytes < 0 || generation < 0 || epoch < 0)
            throw new VolumeException.InvalidArgument("manifest size, generation and epoch must not be negative");
        if (base != null) ManifestKeys.checkPoolRelative(base);
        TreeMap<Integer, List<PackId>> copy = new TreeMap<>();
        chunks.forEach((k, v) -> {
            if (k < 0) throw new VolumeException.InvalidArgument("chunk index must not be negative");
            if (v.isEmpty()) throw new VolumeException.InvalidArgument("chunk " + k + " lists no pack");
            copy.put(k, List.copyOf(v));
        });
        chunks = Collections.unmodifiableNavigableMap(copy);
    }

    /** An empty manifest (a blank volume's first generation). */
    public static Manifest blank(long sizeBytes) {
        return new Manifest(DEFAULT_BLOCK_SIZE, DEFAULT_CHUNK_SIZE, sizeBytes, 1, 0, null, new TreeMap<>());
    }

    /** A manifest with no chunks of its own that shows {@code baseKey} through. */
    public static Manifest over(ManifestHeader source, String baseKey, long sizeBytes, long generation) {
        return new Manifest(source.blockSize(), source.chunkSize(), sizeBytes, generation, 0, baseKey, new TreeMap<>());
    }

    public ManifestHeader header() {
        return new ManifestHeader(blockSize, chunkSize, sizeBytes, generation, epoch, base);
    }

    public Manifest withGeneration(long newGeneration, long newEpoch) {
        return new Manifest(blockSize, chunkSize, sizeBytes, newGeneration, newEpoch, base, chunks);
    }

    public Manifest withSize(long newSize) {
        return new Manifest(blockSize, chunkSize, newSize, generation, epoch, base, chunks);
    }
}
