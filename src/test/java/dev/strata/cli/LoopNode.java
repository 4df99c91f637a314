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
}
