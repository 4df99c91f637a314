package dev.strata.volume;

/** A node's id (the Kubernetes node name): at most 256 bytes (CSI), DNS-like characters. */
public record NodeId(String value) {
    public static final int MAX_BYTES = 256;

    public NodeId {
        Names.check("node id", value, MAX_BYTES);
    }

    @Override
    public String toString() {
        return value;
    }
}
