package dev.strata.volume;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the local cache knows of each block, allocated per chunk on first touch:
 * <ul>
 *   <li>{@code 0}: not local (read it through the manifests);</li>
 *   <li>{@code 1}: a clean local copy (fetched, or committed and not written since);</li>
 *   <li>{@code s ≥ 2}: written at sequence {@code s}; dirty while {@code s} is above the
 *       committed sequence;</li>
 *   <li>{@code -s}: zeroed (discard / write-zeroes) at sequence {@code s}.</li>
 * </ul>
 * Callers hold the block's stripe lock around a read-modify-write of its state.
 */
final class BlockStates {
    static final long ABSENT = 0, CLEAN = 1;

    private final int blocksPerChunk;
    private final Map<Integer, long[]> chunks = new ConcurrentHashMap<>();

    BlockStates(int blocksPerChunk) {
        this.blocksPerChunk = blocksPerChunk;
    }

    long get(long block) {
        long[] c = chunks.get((int) (block / blocksPerChunk));
        return c == null ? ABSENT : c[(int) (block % blocksPerChunk)];
    }

    void set(long block, long state) {
        chunks.computeIfAbsent((int) (block / blocksPerChunk), k -> new long[blocksPerChunk])[(int) (block % blocksPerChunk)] = state;
    }

    /** Applies a replayed record: the higher sequence wins. */
    void replay(long block, long state) {
        long current = get(block);
        if (Math.abs(state) > Math.abs(current)) set(block, state);
    }

    /**
     * After a restart: forgets every block not dirty above {@code committed}. Such a block's
     * bytes in the local file may hold a later write whose record was lost in the crash,
     * so it is read from the bucket (where its committed content is) until written again.
     */
    void dropClean(long committed) {
        for (long[] c : chunks.values())
            for (int i = 0; i < c.length; i++)
                if (seqOf(c[i]) <= committed) c[i] = ABSENT;
    }

    static long seqOf(long state) {
        return state == CLEAN ? 0 : Math.abs(state);
    }

    /** Blocks with a local copy equal to what is committed: clean, or written at most at {@code committed}. */
    List<Long> clean(long committed) {
        List<Long> out = new ArrayList<>();
        for (var e : chunks.entrySet()) {
            long[] c = e.getValue();
            for (int i = 0; i < c.length; i++)
                if (c[i] > 0 && seqOf(c[i]) <= committed) out.add((long) e.getKey() * blocksPerChunk + i);
        }
        return out;
    }

    /** Blocks written above {@code committed} and at most {@code cut}, in block order (one array: no boxing, the cut holds writes off while it runs). */
    long[] dirty(long committed, long cut) {
        long[] out = new long[64];
        int n = 0;
        List<Integer> keys = new ArrayList<>(chunks.keySet());
        keys.sort(null);
        for (int chunk : keys) {
            long[] c = chunks.get(chunk);
            for (int i = 0; i < c.length; i++) {
                long s = seqOf(c[i]);
                if (s > committed && s <= cut) {
                    if (n == out.length) out = java.util.Arrays.copyOf(out, n * 2);
                    out[n++] = (long) chunk * blocksPerChunk + i;
                }
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }

    /** How many blocks are written above {@code committed}. */
    long countDirty(long committed) {
        long n = 0;
        for (long[] c : chunks.values())
            for (long state : c)
                if (seqOf(state) > committed) n++;
        return n;
    }
}
