package dev.strata.csi;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;

/** CSI RPC metrics, registered in the default Prometheus registry. */
final class Metrics {
    private static final Histogram LATENCY = Histogram.builder().name("strata_csi_rpc_seconds")
            .help("CSI RPC latency").labelNames("rpc").register();
    private static final Counter CALLS = Counter.builder().name("strata_csi_rpc_total")
            .help("CSI RPCs by outcome").labelNames("rpc", "code").register();

    private Metrics() {}

    static void rpc(String method, String code, long nanos) {
        LATENCY.labelValues(method).observe(nanos / 1e9);
        CALLS.labelValues(method, code).inc();
    }
}
