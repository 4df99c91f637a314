package dev.strata.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "controller", mixinStandardHelpOptions = true, description = "Run the CSI Identity and Controller services (the Deployment in a cluster).")
final class ControllerCommand implements Callable<Integer> {
    @Mixin StoreOptions store;
    @Mixin ServerOptions server;

    @Override
    public Integer call() throws InterruptedException {
        return Serving.runUntilSignalled(() -> ControllerRoot.start(store, server, false));
    }
}
