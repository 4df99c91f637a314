package dev.strata.agent;

import dev.strata.agent.proto.AgentProto.CutRequest;
import dev.strata.agent.proto.AgentProto.CutResponse;
import dev.strata.agent.proto.AgentProto.GroupCutRequest;
import dev.strata.agent.proto.AgentProto.LatchRequest;
import dev.strata.agent.proto.AgentProto.LatchResponse;
import dev.strata.agent.proto.AgentProto.RetuneRequest;
import dev.strata.agent.proto.AgentProto.ReleaseRequest;
import dev.strata.agent.proto.AgentProto.ReleaseResponse;
import dev.strata.agent.proto.AgentProto.RetuneResponse;
import dev.strata.agent.proto.NodeAgentGrpc;
import dev.strata.node.NodeVolumes;
import dev.strata.volume.VolumeException;
import dev.strata.volume.VolumeName;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent (DESIGN §1): gRPC on TCP, every call authenticated by the shared token,
 * optionally TLS. It answers two requests of the controller about a volume this node holds:
 * "cut it" (so an attached volume is snapshotted or cloned at a consistent point in time) and
 * "hand it over" (so its ownership is revoked only after what it acknowledged is uploaded).
 */
public final class AgentServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AgentServer.class);
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    /** TLS material (PEM files), or null for plaintext. */
    public record Tls(File certChain, File privateKey) {}

    private final Server server;

    private AgentServer(Server server) {
        this.server = server;
    }

    /**
     * Binds {@code host:port} (port 0 = any free port). Binding a wildcard address is refused
     * unless {@code allowWildcard}: the agent should listen on the node's own address only.
     */
    public static AgentServer start(String host, int port, boolean allowWildcard, AgentToken token, Tls tls, NodeVolumes volumes) {
        return start(host, port, allowWildcard, () -> token, tls, volumes);
    }

    /** As above, with the token read from its source at every call (a rotated Secret applies at once). */
    public static AgentServer start(String host, int port, boolean allowWildcard, java.util.function.Supplier<AgentToken> token,
                                    Tls tls, NodeVolumes volumes) {
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) throw new VolumeException.InvalidArgument("node-agent address " + host + " does not resolve");
        if (address.getAddress().isAnyLocalAddress() && !allowWildcard)
            throw new VolumeException.InvalidArgument("the node agent will not bind the wildcard address " + host
                    + "; give the node's own address (the pod IP) or allow it explicitly");
        NettyServerBuilder b = NettyServerBuilder.forAddress(address)
                .addService(ServerInterceptors.intercept(new Service(volumes), new Auth(token)))
                .maxInboundMessageSize(64 * 1024);
        if (tls != null) b.useTransportSecurity(tls.certChain(), tls.privateKey());
        try {
            Server s = b.build().start();
            log.atInfo().setMessage("node agent listening").addKeyValue("address", host + ":" + s.getPort())
                    .addKeyValue("tls", tls != null).log();
            return new AgentServer(s);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind the node agent on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.shutdown();
        try {
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) server.shutdownNow();
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** Rejects calls without the right bearer token before they reach the service. */
    static final class Auth implements ServerInterceptor {
        private final java.util.function.Supplier<AgentToken> token;

        Auth(java.util.function.Supplier<AgentToken> token) {
            this.token = token;
        }

        @Override
        public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
            String auth = headers.get(AUTHORIZATION);
            String presented = auth != null && auth.startsWith("Bearer ") ? auth.substring("Bearer ".length()) : null;
            if (presented == null || !token.get().matches(presented)) {
                log.atWarn().setMessage("node agent call rejected: " + (presented == null ? "no token" : "wrong token"))
                        .addKeyValue("method", call.getMethodDescriptor().getFullMethodName()).log();
                call.close(Status.UNAUTHENTICATED.withDescription("a valid node-agent token is required"), new Metadata());
                return new ServerCall.Listener<>() {};
            }
            return next.startCall(call, headers);
        }
    }

    static final class Service extends NodeAgentGrpc.NodeAgentImplBase {
        private final NodeVolumes volumes;

        Service(NodeVolumes volumes) {
            this.volumes = volumes;
        }

        @Override
        public void cut(CutRequest req, StreamObserver<CutResponse> out) {
            answer("cut", req.getVolume(), out, name -> {
                String key = volumes.cut(name);
                return CutResponse.newBuilder().setManifestKey(key).build();
            });
        }

        @Override
        public void release(ReleaseRequest req, StreamObserver<ReleaseResponse> out) {
            answer("hand-over", req.getVolume(), out, name -> {
                volumes.release(name, req.getEpoch());
                return ReleaseResponse.getDefaultInstance();
            });
        }

        /** Runs one request for the controller and maps the engine's errors to the codes AgentLiveCut reads. */
        private static <T> void answer(String what, String volume, StreamObserver<T> out, java.util.function.Function<VolumeName, T> work) {
            try {
                VolumeName name = new VolumeName(volume);
                long start = System.nanoTime();
                T response = work.apply(name);
                log.atInfo().setMessage(what + " for the controller").addKeyValue("volume", name.value())
                        .addKeyValue("millis", (System.nanoTime() - start) / 1_000_000).log();
                out.onNext(response);
                out.onCompleted();
            } catch (RuntimeException e) {
                out.onError(failure(what, volume, e));
            }
        }

        @Override
        public void retune(RetuneRequest req, StreamObserver<RetuneResponse> out) {
            answer("retune", req.getVolume(), out, name -> {
                var v = volumes.retune(name);
                return RetuneResponse.newBuilder().setRpoMillis(v.rpo().toMillis()).setSync(v.syncDurability()).build();
            });
        }

        @Override
        public void latch(LatchRequest req, StreamObserver<LatchResponse> out) {
            answer("latch", req.getVolume(), out, name -> {
                if (req.getMaxMillis() < 1 || req.getMaxMillis() > 60_000)
                    throw new VolumeException.InvalidArgument("max_millis must be 1..60000, got " + req.getMaxMillis());
                var latch = volumes.attached(name).groupLatch();
                var group = new dev.strata.volume.GroupSnapshotId(req.getGroup());
                if (req.getPrepare()) latch.prepare(group, java.time.Duration.ofMillis(req.getMaxMillis()));
                else latch.latch(group, java.time.Duration.ofMillis(req.getMaxMillis()));
                return LatchResponse.getDefaultInstance();
            });
        }

        @Override
        public void groupCut(GroupCutRequest req, StreamObserver<CutResponse> out) {
            answer("group cut", req.getVolume(), out, name -> CutResponse.newBuilder().setManifestKey(
                    volumes.attached(name).groupLatch().cut(new dev.strata.volume.GroupSnapshotId(req.getGroup()))).build());
        }

        @Override
        public void unlatch(GroupCutRequest req, StreamObserver<LatchResponse> out) {
            answer("unlatch", req.getVolume(), out, name -> {
                volumes.attached(name).groupLatch().release(new dev.strata.volume.GroupSnapshotId(req.getGroup()));
                return LatchResponse.getDefaultInstance();
            });
        }

        /** A failure of a call about {@code volume} as the status the controller's clients read. */
        static io.grpc.StatusRuntimeException failure(String call, String volume, RuntimeException e) {
            return switch (e) {
                case VolumeException.NotFound x -> Status.NOT_FOUND.withDescription(x.getMessage()).asRuntimeException();
                case VolumeException.InvalidArgument x -> Status.INVALID_ARGUMENT.withDescription(x.getMessage()).asRuntimeException();
                case VolumeException.Fenced x -> Status.FAILED_PRECONDITION.withDescription(x.getMessage()).asRuntimeException();
                case VolumeException.FailedPrecondition x -> Status.FAILED_PRECONDITION.withDescription(x.getMessage()).asRuntimeException();
                case VolumeException.Aborted x -> Status.ABORTED.withDescription(x.getMessage()).asRuntimeException();
                default -> {
                    log.atError().setMessage(call + " failed").addKeyValue("volume", volume).setCause(e).log();
                    yield Status.UNAVAILABLE.withDescription(call + " failed: " + e.getMessage()).asRuntimeException();
                }
            };
        }
    }
}
