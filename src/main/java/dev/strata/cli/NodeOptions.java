package dev.strata.cli;

import dev.strata.agent.AgentToken;
import dev.strata.agent.TokenFile;
import dev.strata.store.PrivateFiles;
import dev.strata.volume.VolumeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options of the node plugin (serve, node): kubelet paths, ublk, the node agent. */
final class NodeOptions {
    @Option(names = "--kubelet-dir", paramLabel = "DIR", defaultValue = "${env:STRATA_KUBELET_DIR:-/var/lib/kubelet}",
            description = "Staging and target paths must lie inside this directory (default ${DEFAULT-VALUE}). Env: STRATA_KUBELET_DIR.")
    Path kubeletDir;

    @Option(names = "--ublk-workers", paramLabel = "N", defaultValue = "2",
            description = "io_uring worker threads serving ublk queues (default ${DEFAULT-VALUE}).")
    int ublkWorkers;

    @Option(names = "--ublk-queues", paramLabel = "N", defaultValue = "1",
            description = "Hardware queues per ublk device (default ${DEFAULT-VALUE}).")
    int ublkQueues;

    @Option(names = "--ublk-depth", paramLabel = "N", defaultValue = "64",
            description = "Queue depth per ublk queue (default ${DEFAULT-VALUE}).")
    int ublkDepth;

    @Option(names = "--warm-up-ios", paramLabel = "N", defaultValue = "${env:STRATA_WARM_UP_IOS:-0}",
            description = "Before the Node service answers, drive N I/Os through a scratch volume's ublk device (a scratch store "
                    + "under the state dir) so the JIT has compiled the data path before a volume is served; 0: off "
                    + "(default ${DEFAULT-VALUE}). Env: STRATA_WARM_UP_IOS.")
    long warmUpIos;

    @Option(names = "--clean-cache-bytes", paramLabel = "SIZE", defaultValue = "256MiB", converter = ByteSizeConverter.class,
            description = "Memory for blocks read from the bucket, shared by all volumes of the node (default ${DEFAULT-VALUE}).")
    long cleanCacheBytes;

    @Option(names = "--agent-listen", paramLabel = "HOST:PORT", defaultValue = "${env:STRATA_AGENT_LISTEN:-}",
            description = "Serve the node agent here (the node's own address, e.g. the pod IP). Empty: no agent "
                    + "(strata serve cuts its volumes in-process). Env: STRATA_AGENT_LISTEN.")
    String agentListen;

    @Option(names = "--agent-advertise", paramLabel = "HOST:PORT", defaultValue = "${env:STRATA_AGENT_ADVERTISE:-}",
            description = "Address the controller uses to reach this node's agent. Default: the listen address.")
    String agentAdvertise;

    @Option(names = "--agent-allow-wildcard", defaultValue = "false",
            description = "Allow --agent-listen on 0.0.0.0 / [::] (off: the agent listens on one address only).")
    boolean agentAllowWildcard;

    @Option(names = "--agent-tls-cert", paramLabel = "PEM", description = "TLS certificate chain of the node agent (with --agent-tls-key).")
    Path agentTlsCert;

    @Option(names = "--agent-tls-key", paramLabel = "PEM", description = "TLS private key (PKCS#8) of the node agent.")
    Path agentTlsKey;

    /** host and port of --agent-listen. */
    static String[] hostPort(String value, String flag) {
        int colon = value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1)
            throw new VolumeException.InvalidArgument(flag + " must be HOST:PORT, got '" + value + "'");
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        String port = value.substring(colon + 1);
        if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) > 65535)
            throw new VolumeException.InvalidArgument(flag + " port must be 0..65535, got '" + port + "'");
        return new String[] {host, port};
    }

    /** Options both the controller and the node need: the shared node-agent token. */
    static final class Token {
        @Option(names = "--agent-token-file", paramLabel = "FILE", defaultValue = "${env:STRATA_AGENT_TOKEN_FILE:-}",
                description = "File holding the node-agent token shared by the controller and the nodes (a Secret). "
                        + "strata serve makes one in its state dir when none is given. Env: STRATA_AGENT_TOKEN_FILE.")
        Path tokenFile;

        @Option(names = "--agent-tls-ca", paramLabel = "PEM", description = "CA that signs the node agents' TLS certificates (controller side; empty: plaintext).")
        Path agentTlsCa;

        /** The configured token, or (when {@code generateIn} is set and none is configured) one kept in that dir; null if none. */
        java.util.function.Supplier<AgentToken> token(Path generateIn) {
            if (tokenFile != null && !tokenFile.toString().isEmpty()) return new TokenFile(tokenFile);
            if (generateIn == null) return null;
            Path file = generateIn.resolve("agent-token");
            if (Files.exists(file)) return new TokenFile(file);
            AgentToken t = AgentToken.random();
            try {
                PrivateFiles.directories(generateIn);
                PrivateFiles.create(file, t.reveal().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + file, e);
            }
            return new TokenFile(file);
        }
    }
}
