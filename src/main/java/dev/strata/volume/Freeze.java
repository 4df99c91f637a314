package dev.strata.volume;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The dirty set frozen at a cut: the blocks the uploader is packing as of sequence
 * {@code cut}. A write to a frozen block first keeps a copy of its frozen content, so
 * I/O goes on while the cut uploads and the upload still sees the point in time.
 * Kept copies are in memory: at most the dirty data overwritten during one upload.
 */
final class Freeze {
    final long cut;
    final List<Long> blocks;
    private final Set<Long> frozen;
    private final Map<Long, byte[]> kept = new ConcurrentHashMap<>();

    Freeze(long cut, List<Long> blocks) {
        this.cut = cut;
        this.blocks = blocks;
        this.frozen = new HashSet<>(blocks);
    }

    /** Called under the block's stripe lock, before a write changes it. */
    void preserve(long block, AttachedVolume v) {
        if (!frozen.contains(block) || kept.containsKey(block)) return;
        ByteBuffer copy = ByteBuffer.allocate(v.blockSize);
        if (v.states.get(block) >= 0) v.readFully(copy, block * v.blockSize);
        kept.put(block, copy.array());
    }

    byte[] preserved(long block) {
        return kept.get(block);
    }
}
