package dev.strata.agent;

import dev.strata.agent.proto.AgentProto.RetuneRequest;
import dev.strata.volume.LiveRetune;
import dev.strata.volume.VolumeRecord;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * ControllerModifyVolume's way to an attached engine: the controller has written the new
 * parameters into the volume record; this asks the holding node's agent to re-read the
 * record and apply them (no detach). A node that has published but not staged the volume
 * needs nothing: it reads the record when it attaches.
 */
public final class AgentRetune implements LiveRetune {
    private final AgentChannels channels;
    private final Predicate<VolumeRecord> local;

    /**
     * @param local retunes a volume held in this very process and returns true, or returns
     *              false when the volume is held elsewhere
     */
    public AgentRetune(AgentChannels channels, Predicate<VolumeRecord> local) {
        this.channels = channels;
        this.local = local;
    }

    @Override
    public void retune(VolumeRecord held) {
        if (held.owner() == null || local.test(held)) return;
        try {
            channels.stub(held, "apply changed parameters to", Duration.ofSeconds(30))
                    .retune(RetuneRequest.newBuilder().setVolume(held.name()).build());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == io.grpc.Status.Code.NOT_FOUND) return; // published, not staged: reads it at attach
            throw AgentChannels.failure(held, "apply changed parameters to", e);
        }
    }
}
