package dev.strata.volume;

import io.prometheus.metrics.core.metrics.Counter;

/** Engine metrics in the default Prometheus registry. */
final class Metrics {
    private static final Counter UPLOADED = Counter.builder().name("strata_upload_bytes_total")
            .help("Pack bytes uploaded to the bucket").register();

    private Metrics() {}

    static void uploadedBytes(long n) {
        UPLOADED.inc(n);
    }
}
