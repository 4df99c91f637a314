package dev.strata.volume;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The dirty set frozen at a cut: the blocks the committer packs as of sequence {@link #cut}.
 * The committer sees only the cut and its blocks; the local cache, before a write changes a
 * frozen block, keeps a copy of its frozen content here, so I/O goes on while the cut uploads
 * and the upload still sees the point in time. Kept copies are in memory: at most the dirty
 * data overwritten during one upload.
 */
final class Freeze {
    private final long cut;
    private final long[] blocks;
    private final Map<Long, byte[]> kept = new ConcurrentHashMap<>();

    /** @param blocks ascending; the freeze keeps the array (its caller made it for it) */
    Freeze(long cut, long[] blocks) {
        this.cut = cut;
        this.blocks = blocks;
    }

    /** The sequence the point in time is at. */
    long cut() {
        return cut;
    }

    /** The frozen blocks, ascending (not to be changed). */
    long[] blocks() {
        return blocks;
    }

    /** Whether a write to the block must first keep its frozen content (frozen, not kept yet). */
    boolean needsCopy(long block) {
        return Arrays.binarySearch(blocks, block) >= 0 && !kept.containsKey(block);
    }

    /** Keeps the block's frozen content. Called under the block's stripe lock, before a write changes it. */
    void keep(long block, byte[] content) {
        kept.put(block, content);
    }

    byte[] preserved(long block) {
        return kept.get(block);
    }
}
