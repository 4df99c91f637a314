package dev.strata.agent;

import dev.strata.agent.proto.NodeAgentGrpc;
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
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;

/**
 * The controller's connections to node agents for the calls beyond the cut (retune, the
 * group-snapshot latch): one channel per agent address, the bearer token on every call,
 * TLS when a CA is given. Errors say which node and volume, as {@link VolumeException}s.
 */
public final class AgentChannels implements AutoCloseable {
    private final Supplier<AgentToken> token;
    private final File trustedCa;
    private final ConcurrentHashMap<String, ManagedChannel> channels = new ConcurrentHashMap<>();

    /**
     * @param token     the shared token read at every call, or null when none is configured
     * @param trustedCa PEM CA for agents serving TLS, or null for plaintext
     */
    public AgentChannels(Supplier<AgentToken> token, File trustedCa) {
        this.token = token;
        this.trustedCa = trustedCa;
    }

    /** A stub for the agent of the node holding {@code held} (which must have an owner), to call {@code what}. */
    NodeAgentGrpc.NodeAgentBlockingStub stub(VolumeRecord held, String what, Duration deadline) {
        Owner owner = held.owner();
        if (owner.agent() == null || owner.agent().isBlank())
            throw new VolumeException.Unavailable("volume " + held.name() + " is attached on node " + owner.node()
                    + ", which registered no node-agent address; cannot " + what, null);
        if (token == null)
            throw new VolumeException.Unavailable("volume " + held.name() + " is attached on node " + owner.node()
                    + " and this controller has no node-agent token (--agent-token-file) to " + what, null);
        Metadata headers = new Metadata();
        headers.put(AgentServer.AUTHORIZATION, "Bearer " + token.get().reveal());
        return NodeAgentGrpc.newBlockingStub(channel(owner.agent()))
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A failed agent call as the engine's exception (NOT_FOUND is the caller's to interpret first). */
    static VolumeException failure(VolumeRecord held, String what, StatusRuntimeException e) {
        String where = "node " + held.owner().node() + " cannot " + what + " volume " + held.name() + ": " + e.getStatus().getDescription();
        return switch (e.getStatus().getCode()) {
            case NOT_FOUND -> new VolumeException.NotFound(where);
            case INVALID_ARGUMENT -> new VolumeException.InvalidArgument(where);
            case FAILED_PRECONDITION -> new VolumeException.FailedPrecondition(where);
            case ABORTED -> new VolumeException.Aborted(where);
            default -> new VolumeException.Unavailable("node agent of " + held.owner().node() + " at " + held.owner().agent()
                    + " did not " + what + " volume " + held.name() + ": " + e.getStatus().getCode() + " "
                    + e.getStatus().getDescription(), e);
        };
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
