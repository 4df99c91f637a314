package dev.strata.cli;

import dev.strata.node.Devices;
import dev.strata.node.UblkDevices;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true, description = {"Run all of Strata in one process (the embedded file store by default).",
        "Serves CSI Identity, Controller and (where the ublk driver is loaded) Node on one unix socket.",
        "Stop it with Ctrl-C or SIGTERM."})
final class ServeCommand implements Callable<Integer> {
    @Mixin StoreOptions store;
    @Mixin ServerOptions server;
    @Mixin NodeOptions node;
    @Mixin NodeOptions.Token token;
    @Mixin KubeOptions kube;

    @Option(names = "--no-node", description = "Serve only Identity and Controller, even where ublk is available.")
    boolean noNode;

    @Override
    public Integer call() throws InterruptedException {
        return Serving.runUntilSignalled(() -> {
            Devices devices = null;
            if (!noNode && UblkDevices.available()) devices = UblkDevices.open(node.ublkWorkers, node.ublkQueues, node.ublkDepth);
            else if (!noNode)
                LoggerFactory.getLogger(ServeCommand.class).atWarn().setMessage("no " + UblkDevices.CONTROL
                        + ": the Node service is off (modprobe ublk_drv to serve volumes as block devices)").log();
            return ServerRoot.start(store, server, new ServerRoot.Parts(true, true, node, devices, token, true).withKube(kube, null));
        });
    }
}
