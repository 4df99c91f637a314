package dev.strata.volume;

/**
 * Tells the node that holds a volume to apply its record's changed mutable parameters
 * (ControllerModifyVolume: {@code rpo}, {@code durability}) to the attached engine, without
 * detaching. The record is the truth: the holder re-reads it, so a retried call is harmless,
 * and a volume attached later reads the new parameters at attach.
 */
public interface LiveRetune {
    /** Applies {@code held}'s record to its holder's engine; a holder that has not attached it yet needs nothing. */
    void retune(VolumeRecord held);

    /** No node agents reachable: a held volume cannot be retuned live. */
    LiveRetune UNREACHABLE = held -> {
        if (held.owner() != null)
            throw new VolumeException.Unavailable("volume " + held.name() + " is attached on node " + held.owner().node()
                    + " and this controller cannot reach node agents to apply the change live", null);
    };
}
