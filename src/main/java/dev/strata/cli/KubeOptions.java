package dev.strata.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** How the controller talks to Kubernetes (PVC annotations, Events, the GC lease). */
final class KubeOptions {
    enum Mode { auto, on, off }

    @Option(names = "--kube", paramLabel = "MODE", defaultValue = "${env:STRATA_KUBE:-auto}",
            description = "Use the Kubernetes API: auto (when running in a pod), on, off (default ${DEFAULT-VALUE}).")
    Mode mode = Mode.auto;

    @Option(names = "--kube-namespace", paramLabel = "NS", defaultValue = "${env:POD_NAMESPACE:-}",
            description = "Namespace of the GC lease. Default: the pod's namespace. Env: POD_NAMESPACE.")
    String namespace;

    @Option(names = "--gc-interval-minutes", paramLabel = "MIN", defaultValue = "60",
            description = "Run garbage collection every MIN minutes in the replica holding the lease (0 = never; default ${DEFAULT-VALUE}).")
    long gcIntervalMinutes = 60;

    @Option(names = "--gc-grace-minutes", paramLabel = "MIN", defaultValue = "60",
            description = "An object must stay unreferenced this long before GC deletes it (default ${DEFAULT-VALUE}).")
    long gcGraceMinutes = 60;

    boolean enabled() {
        return switch (mode) {
            case on -> true;
            case off -> false;
            case auto -> System.getenv("KUBERNETES_SERVICE_HOST") != null;
        };
    }

    KubernetesClient client() {
        return new KubernetesClientBuilder().build();
    }

    String namespace() {
        if (namespace != null && !namespace.isBlank()) return namespace;
        try {
            return Files.readString(Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace")).strip();
        } catch (IOException e) {
            return "default";
        }
    }

    /** This replica's identity in the GC lease: the pod name, else the host name. */
    static String identity() {
        String pod = System.getenv("POD_NAME");
        if (pod != null && !pod.isBlank()) return pod;
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "strata-" + ProcessHandle.current().pid();
        }
    }
}
