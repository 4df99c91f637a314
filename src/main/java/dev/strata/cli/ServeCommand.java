package dev.strata.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "serve", mixinStandardHelpOptions = true, description = {"Run Strata in one process: CSI Identity and Controller (and the node, where",
        "ublk is available) on one unix socket, with the embedded file-backed store by default.",
        "Stop it with Ctrl-C or SIGTERM."})
final class ServeCommand implements Callable<Integer> {
    @Mixin StoreOptions store;
    @Mixin ServerOptions server;

    @Override
    public Integer call() throws InterruptedException {
        return Serving.runUntilSignalled(() -> ControllerRoot.start(store, server, true));
    }
}
