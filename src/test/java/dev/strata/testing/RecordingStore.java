package dev.strata.testing;

import dev.strata.store.ObjectInfo;
import dev.strata.store.ObjectKey;
import dev.strata.store.ObjectListing;
import dev.strata.store.ObjectStore;
import dev.strata.store.StoredObject;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;

/**
 * A real store whose ranged GETs are recorded (key, offset, length), can each take an
 * injected latency (a bucket far away), and can hang on chosen keys until released (a
 * bucket that stops answering for one object).
 */
public final class RecordingStore implements ObjectStore {
    /** One ranged GET as it was asked. */
    public record Get(String key, long offset, int length) {}

    private final ObjectStore inner;
    private final long latencyNanos;
    private final ConcurrentLinkedQueue<Get> gets = new ConcurrentLinkedQueue<>();
    private volatile String hangKeysContaining;
    private volatile CountDownLatch release = new CountDownLatch(0);

    public RecordingStore(ObjectStore inner, long latencyMillis) {
        this.inner = inner;
        this.latencyNanos = latencyMillis * 1_000_000;
    }

    /** From now on, ranged GETs of keys containing {@code part} wait until {@link #release()}. */
    public void hang(String part) {
        release = new CountDownLatch(1);
        hangKeysContaining = part;
    }

    public void release() {
        hangKeysContaining = null;
        release.countDown();
    }

    /** The ranged GETs asked so far, in order. */
    public List<Get> gets() {
        return List.copyOf(gets);
    }

    public void clear() {
        gets.clear();
    }

    @Override
    public byte[] getRange(ObjectKey key, long offset, int length) {
        gets.add(new Get(key.value(), offset, length));
        String hang = hangKeysContaining;
        if (hang != null && key.value().contains(hang)) {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (latencyNanos > 0) LockSupport.parkNanos(latencyNanos);
        return inner.getRange(key, offset, length);
    }

    @Override public StoredObject get(ObjectKey key) { return inner.get(key); }
    @Override public String put(ObjectKey key, byte[] data) { return inner.put(key, data); }
    @Override public String putIfAbsent(ObjectKey key, byte[] data) { return inner.putIfAbsent(key, data); }
    @Override public String putIfMatch(ObjectKey key, byte[] data, String etag) { return inner.putIfMatch(key, data, etag); }
    @Override public void delete(ObjectKey key) { inner.delete(key); }
    @Override public Optional<ObjectInfo> head(ObjectKey key) { return inner.head(key); }
    @Override public ObjectListing list(ObjectKey prefix, String startAfter, int maxKeys) { return inner.list(prefix, startAfter, maxKeys); }
    @Override public String describe() { return inner.describe(); }
    @Override public void close() { inner.close(); }
}
