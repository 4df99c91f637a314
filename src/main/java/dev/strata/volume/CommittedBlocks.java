package dev.strata.volume;

/**
 * What the local cache sees of the committed volume: a block's committed content and
 * whether a chunk holds committed data. The facade answers from the committer's newest
 * {@link Commit} and the node's pack cache; the local cache never sees the committer.
 */
interface CommittedBlocks {
    /** The block's committed bytes ({@link PackCache#ZERO} for zeros); may read the bucket. */
    byte[] content(long block);

    /** Whether any manifest of the committed chain holds packs for the block's chunk. */
    boolean inCommittedChunk(long block);
}
