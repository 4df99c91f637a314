package dev.strata.agent;

import dev.strata.agent.proto.AgentProto.CutRequest;
import dev.strata.agent.proto.NodeAgentGrpc;
import dev.strata.volume.LiveCut;
import dev.strata.volume.Owner;
import dev.strata.volume.VolumeException;
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
import javax.net.ssl.SSLException;

/**
 * The controller's side of the node agent: before snapshotting or cloning a volume some node
 * holds, ask that node (at the address recorded at publish) to cut it. A volume the holder
 * has not attached yet has nothing unuploaded, so its newest committed manifest is its
 * contents ({@code null}). Volumes held by this very process are cut in-process.
 */
public final class AgentLiveCut implements LiveCut, AutoCloseable {
    private final java.util.function.Supplier<AgentToken> token;
    private final File trustedCa;
    private final Function<VolumeRecord, String> local;
    private final ConcurrentHashMap<String, ManagedChannel> channels = new ConcurrentHashMap<>();

    /**
     * @param token     the shared token, or null when none is configured (remote cuts then fail clearly)
     * @param local     cuts a volume held in this process, or returns the marker {@link #NOT_LOCAL}
     * @param trustedCa PEM CA for agents serving TLS, or null for plaintext
     */
    public AgentLiveCut(AgentToken token, File trustedCa, Function<VolumeRecord, String> local) {
        this(token == null ? null : () -> token, trustedCa, local);
    }

    /** With the token read from its source at every call (null: none configured). */
    public AgentLiveCut(java.util.function.Supplier<AgentToken> token, File trustedCa, Function<VolumeRecord, String> local) {
        this.token = token;
        this.trustedCa = trustedCa;
        this.local = local;
    }

    public static final String NOT_LOCAL = "\0not-local";

    @Override
    public String cut(VolumeRecord held) {
        String here = local.apply(held);
        if (!NOT_LOCAL.equals(here)) return here;
        Owner owner = held.owner();
        if (owner == null) return null;
        if (owner.agent() == null || owner.agent().isBlank())
            throw new VolumeException.Unavailable("volume " + held.name() + " is attached on node " + owner.node()
                    + ", which registered no node-agent address; cannot cut it at a consistent point in time", null);
        if (token == null)
            throw new VolumeException.Unavailable("volume " + held.name() + " is attached on node " + owner.node()
                    + " and this controller has no node-agent token (--agent-token-file) to ask it for a cut", null);
        Metadata headers = new Metadata();
        headers.put(AgentServer.AUTHORIZATION, "Bearer " + token.get().reveal());
        try {
            return NodeAgentGrpc.newBlockingStub(channel(owner.agent()))
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                    .withDeadlineAfter(60, TimeUnit.SECONDS)
                    .cut(CutRequest.newBuilder().setVolume(held.name()).build()).getManifestKey();
        } catch (StatusRuntimeException e) {
            return switch (e.getStatus().getCode()) {
                case NOT_FOUND -> null; // published but not staged there: nothing unuploaded
                case FAILED_PRECONDITION -> throw new VolumeException.FailedPrecondition("node " + owner.node()
                        + " cannot cut volume " + held.name() + ": " + e.getStatus().getDescription());
                default -> throw new VolumeException.Unavailable("node agent of " + owner.node() + " at " + owner.agent()
                        + " did not cut volume " + held.name() + ": " + e.getStatus().getCode() + " "
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
