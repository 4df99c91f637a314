package dev.strata.cli;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options of the long-running commands (serve, controller). */
final class ServerOptions {
    @Option(names = "--csi-endpoint", paramLabel = "unix:///PATH", defaultValue = "${env:CSI_ENDPOINT:-}",
            description = "Where to serve CSI. Default: unix://<state dir>/csi.sock. Env: CSI_ENDPOINT.")
    String csiEndpoint;

    @Option(names = "--node-id", paramLabel = "NAME", defaultValue = "${env:STRATA_NODE_ID:-}",
            description = "This node's id: the Kubernetes node name. Default: the host name. Env: STRATA_NODE_ID.")
    String nodeId;

    @Option(names = "--ownership-lease", paramLabel = "SECONDS", defaultValue = "${env:STRATA_OWNERSHIP_LEASE:-30}",
            description = {"How long a node goes on acknowledging writes without confirming its ownership in the bucket",
                    "(5-600; recorded with each grant this controller makes; a forced unpublish waits it out)."})
    int ownershipLeaseSeconds = 30;

    /** The ownership lease, checked. */
    java.time.Duration ownershipLease() {
        if (ownershipLeaseSeconds < 5 || ownershipLeaseSeconds > 600)
            throw new dev.strata.volume.VolumeException.InvalidArgument("--ownership-lease must be 5..600 seconds, got " + ownershipLeaseSeconds);
        return java.time.Duration.ofSeconds(ownershipLeaseSeconds);
    }

    @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "${env:STRATA_METRICS_PORT:-0}",
            description = "Serve Prometheus /metrics (and /-/healthy) on this port (0 = off; default ${DEFAULT-VALUE}).")
    int metricsPort;

    @Option(names = "--metrics-address", paramLabel = "ADDR", defaultValue = "127.0.0.1",
            description = "Address the metrics endpoint binds to (default ${DEFAULT-VALUE}).")
    String metricsAddress;

    String csiEndpoint(Path stateDir) {
        return csiEndpoint == null || csiEndpoint.isBlank() ? "unix://" + stateDir.resolve("csi.sock") : csiEndpoint;
    }

    String nodeId() {
        if (nodeId != null && !nodeId.isBlank()) return nodeId;
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            String env = System.getenv("HOSTNAME");
            if (env != null && !env.isBlank()) return env;
            throw new IllegalArgumentException("cannot find the host name; pass --node-id");
        }
    }
}
