package dev.strata.store;

import io.prometheus.metrics.core.metrics.Counter;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Counts every request sent to the object store, by operation, and the failures
 * ({@code strata_store_requests_total}, {@code strata_store_errors_total}); {@link #requests()}
 * lets a caller measure what one phase (boot recovery) cost in requests.
 */
public final class MeteredStore implements ObjectStore {
    private static final Counter REQUESTS = Counter.builder().name("strata_store_requests_total")
            .help("Requests sent to the object store").labelNames("op").register();
    private static final Counter ERRORS = Counter.builder().name("strata_store_errors_total")
            .help("Object store requests that failed (not counting expected 404/412 answers)").labelNames("op").register();

    private final ObjectStore inner;
    private final AtomicLong requests = new AtomicLong();

    public MeteredStore(ObjectStore inner) {
        this.inner = inner;
    }

    /** Requests sent through this store so far. */
    public long requests() {
        return requests.get();
    }

    private <T> T count(String op, Supplier<T> call) {
        requests.incrementAndGet();
        REQUESTS.labelValues(op).inc();
        try {
            return call.get();
        } catch (StoreException.NotFound | StoreException.PreconditionFailed e) {
            throw e;
        } catch (RuntimeException e) {
            ERRORS.labelValues(op).inc();
            throw e;
        }
    }

    @Override public StoredObject get(ObjectKey key) { return count("get", () -> inner.get(key)); }
    @Override public byte[] getRange(ObjectKey key, long offset, int length) { return count("get_range", () -> inner.getRange(key, offset, length)); }
    @Override public String put(ObjectKey key, byte[] data) { return count("put", () -> inner.put(key, data)); }
    @Override public String putIfAbsent(ObjectKey key, byte[] data) { return count("put_if_absent", () -> inner.putIfAbsent(key, data)); }
    @Override public String putIfMatch(ObjectKey key, byte[] data, String etag) { return count("put_if_match", () -> inner.putIfMatch(key, data, etag)); }

    @Override
    public void delete(ObjectKey key) {
        count("delete", () -> {
            inner.delete(key);
            return null;
        });
    }

    @Override public Optional<ObjectInfo> head(ObjectKey key) { return count("head", () -> inner.head(key)); }
    @Override public ObjectListing list(ObjectKey prefix, String startAfter, int maxKeys) { return count("list", () -> inner.list(prefix, startAfter, maxKeys)); }
    @Override public String describe() { return inner.describe(); }
    @Override public void close() { inner.close(); }
}
