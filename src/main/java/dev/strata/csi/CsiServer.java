package dev.strata.csi;

import dev.strata.store.PrivateFiles;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Serves CSI services over a unix domain socket (Netty native epoll). */
public final class CsiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CsiServer.class);

    private final Path socket;
    private final Server server;
    private final EpollEventLoopGroup boss;
    private final EpollEventLoopGroup workers;

    private CsiServer(Path socket, Server server, EpollEventLoopGroup boss, EpollEventLoopGroup workers) {
        this.socket = socket;
        this.server = server;
        this.boss = boss;
        this.workers = workers;
    }

    /**
     * Parses a CSI endpoint: {@code unix:///abs/path} or {@code unix:/abs/path} (or a bare
     * absolute path). Anything else is an IllegalArgumentException saying what is expected.
     */
    public static Path socketPath(String endpoint) {
        String path;
        if (endpoint.startsWith("unix://")) path = endpoint.substring("unix://".length());
        else if (endpoint.startsWith("unix:")) path = endpoint.substring("unix:".length());
        else path = endpoint;
        if (!path.startsWith("/") || path.contains("\0"))
            throw new IllegalArgumentException("CSI endpoint must be unix:///absolute/path, got '" + endpoint + "'");
        return Path.of(path).normalize();
    }

    /** Binds the socket (replacing a stale one) and starts serving. */
    public static CsiServer start(Path socket, List<BindableService> services) {
        try {
            PrivateFiles.directories(socket.getParent());
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare CSI socket " + socket, e);
        }
        EpollEventLoopGroup boss = new EpollEventLoopGroup(1);
        EpollEventLoopGroup workers = new EpollEventLoopGroup(2);
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers)
                // gRPC asks every accepted connection for SO_KEEPALIVE, which a unix socket does not
                // have (Netty warned on each CSI call); a null value takes the option back out
                .withChildOption(ChannelOption.SO_KEEPALIVE, null);
        RequestLog requestLog = new RequestLog();
        for (BindableService s : services) builder.addService(ServerInterceptors.intercept(s, requestLog));
        try {
            Server server = builder.build().start();
            // only this user may connect (kubelet and the sidecars run as root), whatever the umask
            Files.setPosixFilePermissions(socket, PrivateFiles.FILE_MODE);
            log.atInfo().setMessage("CSI server listening").addKeyValue("socket", socket.toString()).log();
            return new CsiServer(socket, server, boss, workers);
        } catch (IOException e) {
            boss.shutdownGracefully();
            workers.shutdownGracefully();
            throw new UncheckedIOException("cannot listen on " + socket, e);
        }
    }

    public Path socket() {
        return socket;
    }

    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
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
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            log.atWarn().setMessage("cannot remove CSI socket").addKeyValue("socket", socket.toString()).log();
        }
    }
}
