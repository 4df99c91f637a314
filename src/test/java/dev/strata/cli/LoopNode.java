package dev.strata.cli;

import dev.strata.node.LoopDevices;
import java.nio.file.Path;

/** The composition root `strata serve` uses, with loop devices standing in for ublk (host tests). */
final class LoopNode {
    private LoopNode() {}

    static ServerRoot start(Path stateDir, Path kubelet, String nodeId, LoopDevices devices) {
        StoreOptions store = new StoreOptions();
        store.stateDir = stateDir;
        ServerOptions options = new ServerOptions();
        options.nodeId = nodeId;
        NodeOptions node = new NodeOptions();
        node.kubeletDir = kubelet;
        node.cleanCacheBytes = 16L << 20;
        return ServerRoot.start(store, options, new ServerRoot.Parts(true, true, node, devices, new NodeOptions.Token(), true));
    }

    /**
     * A loop node started in a test's directories, with a client on its socket and a second
     * registry on the same bucket (what another controller sees); closes all of it.
     */
    static final class Running implements AutoCloseable {
        final LoopDevices devices;
        final ServerRoot server;
        final CsiClient csi;
        final dev.strata.store.ObjectStore sideStore;
        final dev.strata.volume.Registry side;

        Running(Path stateDir, Path kubelet, String nodeId) {
            devices = new LoopDevices(stateDir.resolve("loops"));
            server = start(stateDir, kubelet, nodeId, devices);
            csi = new CsiClient(server.server().socket());
            StoreOptions store = new StoreOptions();
            store.stateDir = stateDir;
            sideStore = store.open();
            side = new dev.strata.volume.Registry(sideStore, java.time.Clock.systemUTC());
        }

        @Override
        public void close() throws InterruptedException {
            csi.close();
            server.close();
            sideStore.close();
            devices.detachAll();
        }
    }
}
