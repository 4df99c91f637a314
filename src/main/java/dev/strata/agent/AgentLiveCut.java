package dev.strata.agent;

import dev.strata.agent.proto.AgentProto.CutRequest;
import dev.strata.agent.proto.AgentProto.ReleaseRequest;
import dev.strata.agent.proto.NodeAgentGrpc;
import dev.strata.volume.LiveCut;
import dev.strata.volume.Owner;
import dev.strata.volume.VolumeException;
import dev.strata.volume.VolumeName;
import dev.strata.volume.VolumeRecord;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.File;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;

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

    private final Supplier<AgentToken> token;
    private final File trustedCa;
    private final Local local;
    private final ConcurrentHashMap<String, ManagedChannel> channels = new ConcurrentHashMap<>();

    /**
     * @param token     the shared token read at every call (a rotated Secret applies at once), or null when
     *                  none is configured (remote calls then fail clearly)
     * @param trustedCa PEM CA for agents serving TLS, or null for plaintext
     * @param local     the node of this process, or {@link Local#NONE}
     */
    public AgentLiveCut(Supplier<AgentToken> token, File trustedCa, Local local) {
        this.token = token;
        this.trustedCa = trustedCa;
        this.local = local;
    }

    /** With a fixed token. */
    public AgentLiveCut(AgentToken token, File trustedCa, Local local) {
        this(token == null ? null : () -> token, trustedCa, local);
    }

    @Override
    public String cut(VolumeRecord held) {
        Owner owner = held.owner();
        if (owner == null) return null;
        if (local.isHere(owner)) return local.cut(held.volumeName());
        return call(held, "cut", stub -> stub.cut(CutRequest.newBuilder().setVolume(held.name()).build()).getManifestKey());
    }

    @Override
    public void release(VolumeRecord held) {
        Owner owner = held.owner();
        if (owner == null) return;
        if (local.isHere(owner)) {
            local.release(held.volumeName(), owner.epoch());
            return;
        }
        call(held, "hand over", stub -> stub.release(ReleaseRequest.newBuilder().setVolume(held.name())
                .setEpoch(owner.epoch()).build()));
    }

    /** One call to the holder's agent; NOT_FOUND (not attached there) is null. */
    private <T> T call(VolumeRecord held, String what, Function<NodeAgentGrpc.NodeAgentBlockingStub, T> rpc) {
        Owner owner = held.owner();
        if (owner.agent() == null || owner.agent().isBlank())
            throw new VolumeException.Unavailable("volume " + held.name() + " is held by node " + owner.node()
                    + ", which registered no node-agent address; cannot " + what + " it there", null);
        if (token == null)
            throw new VolumeException.Unavailable("volume " + held.name() + " is held by node " + owner.node()
                    + " and no node-agent token is configured (--agent-token-file) to ask it to " + what + " it", null);
        Metadata headers = new Metadata();
        headers.put(AgentServer.AUTHORIZATION, "Bearer " + token.get().reveal());
        try {
            return rpc.apply(NodeAgentGrpc.newBlockingStub(channel(owner.agent()))
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                    .withDeadlineAfter(60, TimeUnit.SECONDS));
        } catch (StatusRuntimeException e) {
            return switch (e.getStatus().getCode()) {
                case NOT_FOUND -> null; // published but not staged there: nothing unuploaded
                case FAILED_PRECONDITION -> throw new VolumeException.FailedPrecondition("node " + owner.node()
                        + " cannot " + what + " volume " + held.name() + ": " + e.getStatus().getDescription());
                default -> throw new VolumeException.Unavailable("node " + owner.node() + " (agent " + owner.agent()
                        + ") did not " + what + " volume " + held.name() + ": " + e.getStatus().getCode() + " "
                        + e.getStatus().getDescription(), e);
            };
        }
    }

    private ManagedChannel channel(String address) {
        return channels.computeIfAbsent(address, a -> {
            NettyChannelBuilder b = NettyChannelBuilder.forTarget(a).maxInboundMessageSize(64 * 1024);
            if (trustedCa == null) return b.usePlaintext().build();
            try {
                return b.sslContext(GrpcSslContexts.forClient().trustManager(trustedCa).build()).build();
            } catch (SSLException e) {
                throw new VolumeException.InvalidArgument("cannot use the node-agent CA " + trustedCa + ": " + e.getMessage());
            }
        });
    }

    @Override
    public void close() {
        for (ManagedChannel c : channels.values()) c.shutdownNow();
    }
}
