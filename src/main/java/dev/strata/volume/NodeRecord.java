package dev.strata.volume;

/** {@code nodes/{node}.json}: a node plugin that has registered, and where its agent listens. */
public record NodeRecord(int formatVersion, String node, String agent, long maxVolumes, String registered) {
    public static final int FORMAT = 1;

    public NodeRecord {
        new NodeId(node);
    }
}
