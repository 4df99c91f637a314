package dev.strata.cli;

import dev.strata.node.UblkDevices;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "node", mixinStandardHelpOptions = true, description = {"Run the CSI Identity and Node services (the DaemonSet in a cluster).",
        "Recovers the volumes of this node's local map, then serves; needs the ublk driver."})
final class NodeCommand implements Callable<Integer> {
    @Mixin StoreOptions store;
    @Mixin ServerOptions server;
    @Mixin NodeOptions node;
    @Mixin NodeOptions.Token token;

    @Override
    public Integer call() throws InterruptedException {
        if (!UblkDevices.available()) {
            System.err.println("strata: " + UblkDevices.CONTROL + " is missing: load the ublk driver (modprobe ublk_drv; kernel 6.5+)");
            return 2;
        }
        return Serving.runUntilSignalled(() -> ServerRoot.start(store, server, new ServerRoot.Parts(false, true, node,
                UblkDevices.open(node.ublkWorkers, node.ublkQueues, node.ublkDepth), token, false)));
    }
}
