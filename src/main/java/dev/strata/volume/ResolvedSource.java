package dev.strata.volume;

/**
 * The physical source of a fork: the pool it lives in and the immutable manifest to show
 * through (a snapshot, an image, or a volume's newest committed generation).
 */
public record ResolvedSource(FromRef ref, PoolId pool, String manifestKey, ManifestHeader manifest) {
    public long sizeBytes() {
        return manifest.sizeBytes();
    }
}
