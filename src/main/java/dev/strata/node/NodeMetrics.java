package dev.strata.node;

import io.prometheus.metrics.core.metrics.Gauge;

/** The node plugin's Prometheus metrics. */
public final class NodeMetrics {
    private static final Gauge ATTACHED = Gauge.builder().name("strata_node_attached_volumes")
            .help("Volumes attached (staged) on this node").register();
    private static final Gauge RECOVERY_SECONDS = Gauge.builder().name("strata_node_recovery_seconds")
            .help("How long the last boot recovery took").register();
    private static final Gauge RECOVERY_REQUESTS = Gauge.builder().name("strata_node_recovery_store_requests")
            .help("Object store requests the last boot recovery made (grows with the local map, not the bucket)").register();
    private static final Gauge RECOVERED = Gauge.builder().name("strata_node_recovered_volumes")
            .help("Volumes the last boot recovery brought back, by outcome").labelNames("outcome").register();

    private NodeMetrics() {}

    static void attached(int n) {
        ATTACHED.set(n);
    }

    public static void recovery(double seconds, long storeRequests, java.util.List<NodeVolumes.Recovered> outcomes) {
        RECOVERY_SECONDS.set(seconds);
        RECOVERY_REQUESTS.set(storeRequests);
        for (NodeVolumes.Outcome o : NodeVolumes.Outcome.values())
            RECOVERED.labelValues(o.name().toLowerCase(java.util.Locale.ROOT))
                    .set(outcomes.stream().filter(r -> r.outcome() == o).count());
    }
}
