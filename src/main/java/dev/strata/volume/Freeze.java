package dev.strata.volume;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
    private final List<Long> blocks;
    private final Set<Long> frozen;
    private final Map<Long, byte[]> kept = new ConcurrentHashMap<>();

    Freeze(long cut, List<Long> blocks) {
        this.cut = cut;
        this.blocks = List.copyOf(blocks);
        this.frozen = new HashSet<>(blocks);
    }

    /** The sequence the point in time is at. */
    long cut() {
        return cut;
    }

    /** The frozen blocks, ascending. */
    List<Long> blocks() {
        return blocks;
    }

    /** Whether a write to the block must first keep its frozen content (frozen, not kept yet). */
    boolean needsCopy(long block) {
        return frozen.contains(block) && !kept.containsKey(block);
    }

    /** Keeps the block's frozen content. Called under the block's stripe lock, before a write changes it. */
    void keep(long block, byte[] content) {
        kept.put(block, content);
    }

    byte[] preserved(long block) {
        return kept.get(block);
    }
}
