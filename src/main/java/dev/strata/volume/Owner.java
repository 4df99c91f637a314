package dev.strata.volume;

/**
 * The node that holds a volume, under which ownership epoch, and where its node agent listens.
 * {@code agent} is host:port or null when unknown. {@code leaseMillis} is how long the holder's
 * confirmation of its epoch lasts (0 in records written before it was recorded: the default).
 */
public record Owner(String node, long epoch, String agent, boolean readonly, long leaseMillis) {
    public Owner {
        new NodeId(node);
        if (epoch < 1) throw new VolumeException.InvalidArgument("owner epoch must be at least 1");
        if (leaseMillis < 0) throw new VolumeException.InvalidArgument("owner lease must not be negative");
    }

    /** The lease this holder confirms its epoch within, and a forced revocation waits out. */
    public java.time.Duration lease() {
        return leaseMillis > 0 ? java.time.Duration.ofMillis(leaseMillis) : Ownership.DEFAULT_LEASE;
    }
}
