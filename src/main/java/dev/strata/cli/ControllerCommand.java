package dev.strata.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "controller", mixinStandardHelpOptions = true, description = "Run the CSI Identity and Controller services (the Deployment in a cluster).")
final class ControllerCommand implements Callable<Integer> {
    @Mixin StoreOptions store;
    @Mixin ServerOptions server;
    @Mixin NodeOptions.Token token;
    @Mixin KubeOptions kube;

    @Override
    public Integer call() throws InterruptedException {
        return Serving.runUntilSignalled(() -> ServerRoot.start(store, server, new ServerRoot.Parts(true, false, null, null, token, false).withKube(kube, null)));
    }
}
