package dev.strata.volume;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;

/** Engine metrics in the default Prometheus registry. */
final class Metrics {
    private static final Counter UPLOADED = Counter.builder().name("strata_upload_bytes_total")
            .help("Pack bytes uploaded to the bucket").register();
    private static final Gauge LAG = Gauge.builder().name("strata_volume_upload_lag_seconds")
            .help("Age of the oldest write of the volume not yet committed to the bucket").labelNames("volume").register();
    private static final Gauge FENCED = Gauge.builder().name("strata_volume_fenced")
            .help("1 when the volume's ownership was revoked and its writes fail").labelNames("volume").register();
    private static final Gauge DIRTY = Gauge.builder().name("strata_volume_dirty_blocks")
            .help("Blocks written locally and not yet committed").labelNames("volume").register();
    private static final Counter UPLOAD_FAILURES = Counter.builder().name("strata_upload_failures_total")
            .help("Upload cycles that failed (retried after a backoff)").labelNames("volume").register();

    private static final Counter IO = Counter.builder().name("strata_volume_io_bytes_total")
            .help("Bytes read and written by the block device of an attached volume").labelNames("volume", "op").register();
    private static final Counter CLEAN_CACHE = Counter.builder().name("strata_clean_cache_lookups_total")
            .help("Blocks looked up in the node's clean cache (blocks read from the bucket), by result").labelNames("result").register();

    private static final Counter READ_RETRIES = Counter.builder().name("strata_bucket_read_retries_total")
            .help("Ranged GETs of packs retried because the bucket was unavailable").register();
    private static final Counter EVICTED = Counter.builder().name("strata_cache_evicted_bytes_total")
            .help("Bytes of clean blocks given back from local caches because the disk ran short").register();

    private Metrics() {}

    static void readRetried() {
        READ_RETRIES.inc();
    }

    static void evicted(long bytes) {
        EVICTED.inc(bytes);
    }

    static io.prometheus.metrics.core.datapoints.CounterDataPoint io(String volume, String op) {
        return IO.labelValues(volume, op);
    }

    static void cleanCache(boolean hit) {
        CLEAN_CACHE.labelValues(hit ? "hit" : "miss").inc();
    }

    static void uploadedBytes(long n) {
        UPLOADED.inc(n);
    }

    static void volume(String volume, long lagMillis, boolean fenced, long dirtyBlocks) {
        LAG.labelValues(volume).set(lagMillis / 1000.0);
        FENCED.labelValues(volume).set(fenced ? 1 : 0);
        DIRTY.labelValues(volume).set(dirtyBlocks);
    }

    static void uploadFailed(String volume) {
        UPLOAD_FAILURES.labelValues(volume).inc();
    }

    static void forget(String volume) {
        IO.remove(volume, "read");
        IO.remove(volume, "write");
        LAG.remove(volume);
        FENCED.remove(volume);
        DIRTY.remove(volume);
    }
}
