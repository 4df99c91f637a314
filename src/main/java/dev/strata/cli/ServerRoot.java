package dev.strata.cli;

import dev.strata.agent.AgentChannels;
import dev.strata.agent.AgentGroupCut;
import dev.strata.agent.AgentLiveCut;
import dev.strata.agent.AgentRetune;
import dev.strata.agent.AgentServer;
import dev.strata.agent.AgentToken;
import dev.strata.csi.ControllerService;
import dev.strata.csi.CsiServer;
import dev.strata.csi.GroupControllerService;
import dev.strata.csi.IdentityService;
import dev.strata.csi.SnapshotMetadataService;
import dev.strata.csi.NodeService;
import dev.strata.kube.GcLoop;
import dev.strata.kube.KubeEvents;
import dev.strata.kube.PvcAnnotations;
import dev.strata.node.Devices;
import dev.strata.node.NodeMetrics;
import dev.strata.node.NodeVolumes;
import dev.strata.store.MeteredStore;
import dev.strata.node.ProcessRunner;
import dev.strata.store.ObjectKey;
import dev.strata.store.PrivateFiles;
import dev.strata.store.ObjectStore;
import dev.strata.volume.GarbageCollector;
import dev.strata.volume.GroupCut;
import dev.strata.volume.NodeId;
import dev.strata.volume.ManifestDiff;
import dev.strata.volume.PackCache;
import dev.strata.volume.Registry;
import dev.strata.volume.VolumeException;
import dev.strata.volume.Owner;
import dev.strata.volume.VolumeName;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.BindableService;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root of a serving process: store → registry → (node: local map, boot
 * recovery, devices, agent) → CSI services → socket. The node part recovers its local map
 * before the socket opens, so the node reports ready only after recovery.
 */
final class ServerRoot implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ServerRoot.class);

    /** What this process runs. {@code devices} null = no node service (the node id is still registered when {@code registerNode}). */
    record Parts(boolean controller, boolean registerNode, NodeOptions node, Devices devices, NodeOptions.Token token,
                 boolean generateToken, KubeOptions kube, KubernetesClient kubeClient) {
        Parts(boolean controller, boolean registerNode, NodeOptions node, Devices devices, NodeOptions.Token token, boolean generateToken) {
            this(controller, registerNode, node, devices, token, generateToken, null, null);
        }

        Parts withKube(KubeOptions options, KubernetesClient client) {
            return new Parts(controller, registerNode, node, devices, token, generateToken, options, client);
        }
    }

    private final List<AutoCloseable> closeInOrder;
    private final CsiServer server;
    private final List<NodeVolumes.Recovered> recovered;

    private ServerRoot(List<AutoCloseable> closeInOrder, CsiServer server, List<NodeVolumes.Recovered> recovered) {
        this.closeInOrder = closeInOrder;
        this.server = server;
        this.recovered = recovered;
    }

    /** Controller and the node id registered (as the conformance tests and `serve` without ublk run). */
    static ServerRoot start(StoreOptions storeOptions, ServerOptions options, boolean localNode) {
        return start(storeOptions, options, new Parts(true, localNode, null, null, new NodeOptions.Token(), localNode));
    }

    static ServerRoot start(StoreOptions storeOptions, ServerOptions options, Parts parts) {
        List<AutoCloseable> opened = new ArrayList<>();
        Path stateDir = storeOptions.stateDir();
        privateStateDir(stateDir);
        opened.add(StateDir.lock(stateDir)); // first of all: a second server on this dir touches nothing
        try {
            NodeId nodeId = parts.registerNode() || parts.devices() != null ? new NodeId(options.nodeId()) : null;
            if (nodeId != null) StateDir.checkIdentity(stateDir, nodeId);
            ObjectStore store = storeOptions.open();
            opened.add(store);
            Registry registry = new Registry(store, Clock.systemUTC(), options.ownershipLease());
            java.util.function.Supplier<AgentToken> token = parts.token().token(parts.generateToken() ? stateDir : null);
            List<BindableService> services = new ArrayList<>();
            NodeVolumes volumes = null;
            AgentServer agent = null;
            List<NodeVolumes.Recovered> recovered = List.of();
            if (parts.devices() != null) {
                NodeOptions n = parts.node();
                opened.add(parts.devices());
                volumes = new NodeVolumes(nodeId, registry, new PackCache(store, n.cleanCacheBytes), stateDir.resolve("node"),
                        parts.devices(), new ProcessRunner(Duration.ofMinutes(10)), Clock.systemUTC());
                opened.removeLast();
                opened.add(volumes);
                long requestsBefore = store instanceof MeteredStore m ? m.requests() : 0, started = System.nanoTime();
                recovered = volumes.recover();
                NodeMetrics.recovery((System.nanoTime() - started) / 1e9,
                        store instanceof MeteredStore m ? m.requests() - requestsBefore : 0, recovered);
                SelfWarm.run(parts.devices(), stateDir.resolve("warm-up"), n.warmUpIos); // recovered devices serve meanwhile
                String advertise = null;
                // serve (one host) answers on loopback by default, so the admin verbs can cut and hand over its volumes
                String listen = n.agentListen != null && !n.agentListen.isBlank() ? n.agentListen
                        : parts.generateToken() ? "127.0.0.1:0" : null;
                if (listen != null) {
                    if (token == null)
                        throw new VolumeException.InvalidArgument("--agent-listen needs a token: --agent-token-file (or STRATA_AGENT_TOKEN_FILE)");
                    String[] hp = NodeOptions.hostPort(listen, "--agent-listen");
                    AgentServer.Tls tls = n.agentTlsCert == null ? null : new AgentServer.Tls(n.agentTlsCert.toFile(),
                            n.agentTlsKey == null ? null : n.agentTlsKey.toFile());
                    if (tls != null && tls.privateKey() == null) throw new VolumeException.InvalidArgument("--agent-tls-cert needs --agent-tls-key");
                    agent = AgentServer.start(hp[0], Integer.parseInt(hp[1]), n.agentAllowWildcard, token, tls, volumes);
                    opened.add(agent);
                    advertise = n.agentAdvertise != null && !n.agentAdvertise.isBlank() ? n.agentAdvertise
                            : (hp[0].contains(":") ? "[" + hp[0] + "]" : hp[0]) + ":" + agent.port();
                }
                registry.registerNode(nodeId, advertise, volumes.maxVolumes());
                services.add(new NodeService(volumes, List.of(parts.node().kubeletDir, attachDir(stateDir))));
            } else if (parts.registerNode()) {
                registry.registerNode(nodeId, null, 0);
            }
            if (parts.controller()) {
                NodeVolumes local = volumes;
                AgentChannels agents = new AgentChannels(token, parts.token().agentTlsCa == null ? null : parts.token().agentTlsCa.toFile());
                opened.add(agents);
                AgentLiveCut cuts = new AgentLiveCut(agents, localHolder(nodeId, volumes));
                AgentRetune retune = new AgentRetune(agents, held -> {
                    if (nodeId == null || !held.owner().node().equals(nodeId.value())) return false;
                    if (local != null && local.holds(new VolumeName(held.name()))) local.retune(new VolumeName(held.name()));
                    return true;
                });
                ControllerService.ImageAnnotations annotations = ControllerService.ImageAnnotations.NONE;
                ControllerService.Events events = ControllerService.Events.NONE;
                KubeOptions kube = parts.kube();
                if (kube != null && (parts.kubeClient() != null || kube.enabled())) {
                    KubernetesClient client = parts.kubeClient() != null ? parts.kubeClient() : kube.client();
                    if (parts.kubeClient() == null) opened.add(client);
                    annotations = new PvcAnnotations(client)::fromAnnotation;
                    events = new KubeEvents(client, Clock.systemUTC(), "strata-controller")::record;
                    if (kube.gcIntervalMinutes > 0) opened.add(GcLoop.start(client, kube.namespace(), KubeOptions.identity(),
                            new GarbageCollector(registry, Clock.systemUTC(), Duration.ofMinutes(kube.gcGraceMinutes)),
                            Duration.ofMinutes(kube.gcIntervalMinutes)));
                    log.atInfo().setMessage("kubernetes integration on").addKeyValue("namespace", kube.namespace())
                            .addKeyValue("gcIntervalMinutes", kube.gcIntervalMinutes).log();
                }
                services.add(new ControllerService(registry, cuts, retune, annotations, events, options.alphaGetSnapshot));
                services.add(new SnapshotMetadataService(new ManifestDiff(registry, new PackCache(store, 0))));
                services.add(new GroupControllerService(registry, new GroupCut(registry, held ->
                        nodeId != null && held.owner().node().equals(nodeId.value()) ? new LocalGroupCut(local) : new AgentGroupCut(agents, held))));
            }
            services.addFirst(new IdentityService(Version.current(), parts.controller(), () -> probe(store)));
            CsiServer server = CsiServer.start(CsiServer.socketPath(options.csiEndpoint(stateDir)), services);
            opened.add(server);
            if (options.metricsPort != 0) opened.add(startMetrics(options));
            log.atInfo().setMessage("strata started").addKeyValue("version", Version.current())
                    .addKeyValue("store", store.describe()).addKeyValue("socket", server.socket().toString())
                    .addKeyValue("controller", parts.controller()).addKeyValue("node", volumes != null)
                    .addKeyValue("recovered", count(recovered, NodeVolumes.Outcome.RESUMED, NodeVolumes.Outcome.READDED))
                    .addKeyValue("recoveryFailed", count(recovered, NodeVolumes.Outcome.FAILED)).log();
            return new ServerRoot(opened.reversed(), server, recovered);
        } catch (RuntimeException | Error e) {
            // whatever failed (even a linkage error), close what was opened: a half-started
            // server must not linger with its socket and agent up
            for (AutoCloseable c : opened.reversed()) closeQuietly(c);
            throw e;
        }
    }

    /** How many boot-recovery entries ended in one of {@code outcomes}. */
    static long count(List<NodeVolumes.Recovered> recovered, NodeVolumes.Outcome... outcomes) {
        List<NodeVolumes.Outcome> wanted = List.of(outcomes);
        return recovered.stream().filter(r -> wanted.contains(r.outcome())).count();
    }

    /** The state dir exists and is 0700 (docs/SECURITY.md), even one an older version made. */
    private static void privateStateDir(Path stateDir) {
        try {
            PrivateFiles.directories(stateDir);
            PrivateFiles.restrict(stateDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the state dir " + stateDir, e);
        }
    }

    /**
     * This process's own node, for cuts and hand-overs without the network: a volume published
     * here but not attached has nothing unuploaded.
     */
    private static AgentLiveCut.Local localHolder(NodeId nodeId, NodeVolumes volumes) {
        if (nodeId == null) return AgentLiveCut.Local.NONE;
        return new AgentLiveCut.Local() {
            @Override
            public boolean isHere(Owner owner) {
                return owner.node().equals(nodeId.value());
            }

            @Override
            public String cut(VolumeName volume) {
                return volumes != null && volumes.holds(volume) ? volumes.cut(volume) : null;
            }

            @Override
            public void release(VolumeName volume, long epoch) {
                if (volumes != null) volumes.release(volume, epoch);
            }
        };
    }

    /** Where {@code strata attach} stages volumes outside Kubernetes. */
    static Path attachDir(Path stateDir) {
        return stateDir.resolve("attach");
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

    List<NodeVolumes.Recovered> recovered() {
        return recovered;
    }

    @Override
    public void close() {
        for (AutoCloseable c : closeInOrder) closeQuietly(c);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            log.atWarn().setMessage("error while stopping").addKeyValue("part", c.getClass().getSimpleName()).setCause(e).log();
        }
    }
}
