package dev.strata.agent;

import dev.strata.agent.proto.AgentProto.CutRequest;
import dev.strata.agent.proto.AgentProto.ReleaseRequest;
import dev.strata.agent.proto.NodeAgentGrpc;
import dev.strata.volume.LiveCut;
import dev.strata.volume.Owner;
import dev.strata.volume.VolumeName;
import dev.strata.volume.VolumeRecord;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.File;
import java.time.Duration;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The controller's side of the node agent: before snapshotting or cloning a volume some node
 * holds, ask that node (at the address recorded at publish) to cut it; before revoking its
 * ownership, ask it to hand the volume over. A volume the holder has not attached has
 * nothing unuploaded. Volumes held by this very process are cut and released in-process.
 */
public final class AgentLiveCut implements LiveCut, AutoCloseable {
    /** The node of this very process, if it runs one: its volumes are cut and released without the network. */
    public interface Local {
        /** Whether {@code owner} is this process's node. */
        boolean isHere(Owner owner);

        /** The cut of a volume attached here, or null when it is not attached here. */
        String cut(VolumeName volume);

        /** Hands over a volume held here under {@code epoch} (nothing to do when not attached). */
        void release(VolumeName volume, long epoch);

        /** No node in this process. */
        Local NONE = new Local() {
            @Override public boolean isHere(Owner owner) { return false; }
            @Override public String cut(VolumeName volume) { return null; }
            @Override public void release(VolumeName volume, long epoch) { }
        };
    }

    /** A cut commits what the holder acknowledged: it may take a while, and its caller waits for it. */
    static final Duration CUT_DEADLINE = Duration.ofSeconds(60);
    /**
     * A hand-over answers within the CO's call timeout: when the holder cannot upload in time
     * the unpublish fails UNAVAILABLE and is retried, while the holder goes on uploading.
     */
    static final Duration HAND_OVER_DEADLINE = Duration.ofSeconds(30);

    private final AgentChannels channels;
    private final boolean ownsChannels;
    private final Local local;

    /** Over the controller's shared agent connections; {@code local} is the node of this process, or {@link Local#NONE}. */
    public AgentLiveCut(AgentChannels channels, Local local) {
        this(channels, false, local);
    }

    /**
     * With connections of its own (closed with it).
     *
     * @param token     the shared token read at every call (a rotated Secret applies at once), or null when
     *                  none is configured (remote calls then fail clearly)
     * @param trustedCa PEM CA for agents serving TLS, or null for plaintext
     */
    public AgentLiveCut(Supplier<AgentToken> token, File trustedCa, Local local) {
        this(new AgentChannels(token, trustedCa), true, local);
    }

    /** With a fixed token. */
    public AgentLiveCut(AgentToken token, File trustedCa, Local local) {
        this(token == null ? null : () -> token, trustedCa, local);
    }

    private AgentLiveCut(AgentChannels channels, boolean ownsChannels, Local local) {
        this.channels = channels;
        this.ownsChannels = ownsChannels;
        this.local = local;
    }

    @Override
    public String cut(VolumeRecord held) {
        Owner owner = held.owner();
        if (owner == null) return null;
        if (local.isHere(owner)) return local.cut(held.volumeName());
        return call(held, "cut", CUT_DEADLINE, stub -> stub.cut(CutRequest.newBuilder().setVolume(held.name()).build()).getManifestKey());
    }

    @Override
    public void release(VolumeRecord held) {
        Owner owner = held.owner();
        if (owner == null) return;
        if (local.isHere(owner)) {
            local.release(held.volumeName(), owner.epoch());
            return;
        }
        call(held, "hand over", HAND_OVER_DEADLINE, stub -> stub.release(ReleaseRequest.newBuilder().setVolume(held.name())
                .setEpoch(owner.epoch()).build()));
    }

    /** One call to the holder's agent; NOT_FOUND (not attached there) is null. */
    private <T> T call(VolumeRecord held, String what, Duration deadline, Function<NodeAgentGrpc.NodeAgentBlockingStub, T> rpc) {
        try {
            return rpc.apply(channels.stub(held, what, deadline));
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) return null; // published but not staged there: nothing unuploaded
            throw AgentChannels.failure(held, what, e);
        }
    }

    @Override
    public void close() {
        if (ownsChannels) channels.close();
    }
}
