package dev.strata.volume;

/**
 * The physical source of a fork: the pool it lives in and the immutable manifest to show
 * through (a snapshot, an image, or a volume's newest committed generation), and for a volume
 * its record's size, which an expansion raises before any manifest shows it.
 */
public record ResolvedSource(FromRef ref, PoolId pool, String manifestKey, ManifestHeader manifest, long recordSizeBytes) {
    public ResolvedSource(FromRef ref, PoolId pool, String manifestKey, ManifestHeader manifest) {
        this(ref, pool, manifestKey, manifest, 0);
    }

    /** The source's size: a volume expanded since its last commit is already its record's size. */
    public long sizeBytes() {
        return Math.max(manifest.sizeBytes(), recordSizeBytes);
    }
}
