package dev.strata.volume;

/**
 * The node that holds a volume, under which ownership epoch, and where its node agent listens.
 * {@code agent} is host:port or null when unknown.
 */
public record Owner(String node, long epoch, String agent, boolean readonly) {
    public Owner {
        new NodeId(node);
        if (epoch < 1) throw new VolumeException.InvalidArgument("owner epoch must be at least 1");
    }
}
