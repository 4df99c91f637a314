package dev.strata.agent;

import dev.strata.agent.proto.AgentProto.GroupCutRequest;
import dev.strata.agent.proto.AgentProto.LatchRequest;
import dev.strata.volume.GroupCut;
import dev.strata.volume.GroupSnapshotId;
import dev.strata.volume.VolumeName;
import dev.strata.volume.VolumeRecord;
import io.grpc.StatusRuntimeException;
import java.time.Duration;

/**
 * A group snapshot member's holder behind its node agent: Latch, GroupCut and Release over
 * the authenticated channel to the address recorded at publish.
 */
public final class AgentGroupCut implements GroupCut.Holder {
    private final AgentChannels channels;
    private final VolumeRecord held;

    public AgentGroupCut(AgentChannels channels, VolumeRecord held) {
        this.channels = channels;
        this.held = held;
    }

    @Override
    public void prepare(VolumeName volume, GroupSnapshotId group, Duration max) {
        call("prepare", () -> channels.stub(held, "prepare", Duration.ofSeconds(60)).latch(LatchRequest.newBuilder()
                .setVolume(volume.value()).setGroup(group.value()).setMaxMillis(max.toMillis()).setPrepare(true).build()));
    }

    @Override
    public void latch(VolumeName volume, GroupSnapshotId group, Duration max) {
        call("latch", () -> channels.stub(held, "latch", max).latch(LatchRequest.newBuilder().setVolume(volume.value())
                .setGroup(group.value()).setMaxMillis(max.toMillis()).build()));
    }

    @Override
    public String cut(VolumeName volume, GroupSnapshotId group) {
        return call("cut", () -> channels.stub(held, "cut", Duration.ofSeconds(120)).groupCut(GroupCutRequest.newBuilder()
                .setVolume(volume.value()).setGroup(group.value()).build()).getManifestKey());
    }

    @Override
    public void release(VolumeName volume, GroupSnapshotId group) {
        call("unlatch", () -> channels.stub(held, "unlatch", Duration.ofSeconds(10)).unlatch(GroupCutRequest.newBuilder()
                .setVolume(volume.value()).setGroup(group.value()).build()));
    }

    private <T> T call(String what, java.util.function.Supplier<T> rpc) {
        try {
            return rpc.get();
        } catch (StatusRuntimeException e) {
            throw AgentChannels.failure(held, what, e);
        }
    }
}
