package dev.strata.volume;

/**
 * The fixed part of a manifest, readable with one small ranged GET: all a fork or a
 * snapshot needs of its source, so their cost does not depend on the source's size.
 */
public record ManifestHeader(int blockSize, int chunkSize, long sizeBytes, long generation, long epoch, String base) {
    /** Enough bytes to hold any header (fixed fields + the longest base key). */
    static final int MAX_BYTES = 512;
}
