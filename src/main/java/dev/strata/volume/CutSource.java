package dev.strata.volume;

/**
 * What the committer ({@link Uploader}) sees of the local cache, and all it may do to it: cut
 * the dirty set into a {@link Freeze}, read the frozen content, and record a commit. The
 * cache's locks (cut lock, stripes, the log's monitor) stay behind this interface, so the
 * lock order — the committer's monitor, then the cache's locks, never the reverse — holds by
 * structure: the cache cannot call the committer (LayeringTest checks it).
 */
interface CutSource {
    int blockSize();

    /** Fixes a point in time: the blocks dirty up to now, frozen; null when nothing is dirty. */
    Freeze freeze();

    /** The frozen block's bytes as of the cut: null for zeros. */
    byte[] frozenContent(Freeze freeze, long block);

    /** The cut is over (committed or failed): writes no longer keep copies for it. */
    void thaw(Freeze freeze);

    /** The freeze's blocks are committed as {@code generation}: they become clean, and the local log records it. */
    void committed(Freeze freeze, long generation);

    /** Blocks written since the last commit (approximate, cheap). */
    long dirtyCount();

    /** When the oldest write not yet committed was made (engine clock millis); 0 when none. */
    long oldestDirtyMillis();

    /** Blocks written since the last commit (exact). */
    long dirtyBlocks();

    /** The cache's disk is short of space: commit at once and {@link #evict}. */
    boolean shortOfSpace();

    /** Gives back the space of blocks the bucket holds as they are here; the blocks evicted. */
    long evict();
}
