package dev.strata.cli;

import dev.strata.csi.ControllerService;
import dev.strata.csi.CsiServer;
import dev.strata.csi.IdentityService;
import dev.strata.store.ObjectKey;
import dev.strata.store.ObjectStore;
import dev.strata.volume.LiveCut;
import dev.strata.volume.NodeId;
import dev.strata.volume.Registry;
import io.grpc.BindableService;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The composition root of a serving process: store → registry → CSI services → socket. */
final class ControllerRoot implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControllerRoot.class);

    private final ObjectStore store;
    private final CsiServer server;
    private final HTTPServer metrics;

    private ControllerRoot(ObjectStore store, CsiServer server, HTTPServer metrics) {
        this.store = store;
        this.server = server;
        this.metrics = metrics;
    }

    /** Starts serving; {@code localNode} is registered when this process also runs a node. */
    static ControllerRoot start(StoreOptions storeOptions, ServerOptions options, boolean localNode) {
        ObjectStore store = storeOptions.open();
        try {
            Registry registry = new Registry(store, Clock.systemUTC());
            if (localNode) registry.registerNode(new NodeId(options.nodeId()), null, 0);
            List<BindableService> services = new ArrayList<>();
            services.add(new IdentityService(Version.current(), true, () -> probe(store)));
            services.add(new ControllerService(registry, LiveCut.COMMITTED, ControllerService.ImageAnnotations.NONE));
            CsiServer server = CsiServer.start(CsiServer.socketPath(options.csiEndpoint(storeOptions.stateDir())), services);
            HTTPServer metrics = options.metricsPort == 0 ? null : startMetrics(options);
            log.atInfo().setMessage("strata started").addKeyValue("version", Version.current())
                    .addKeyValue("store", store.describe()).addKeyValue("socket", server.socket().toString()).log();
            return new ControllerRoot(store, server, metrics);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    private static HTTPServer startMetrics(ServerOptions options) {
        try {
            return HTTPServer.builder().hostname(options.metricsAddress).port(options.metricsPort).buildAndStart();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve metrics on port " + options.metricsPort, e);
        }
    }

    /** Null when the bucket answers, else why not. */
    static String probe(ObjectStore store) {
        try {
            store.head(new ObjectKey("probe/ready"));
            return null;
        } catch (RuntimeException e) {
            return "object store " + store.describe() + " is unreachable: " + e.getMessage();
        }
    }

    CsiServer server() {
        return server;
    }

    @Override
    public void close() {
        server.close();
        if (metrics != null) metrics.close();
        store.close();
    }
}
