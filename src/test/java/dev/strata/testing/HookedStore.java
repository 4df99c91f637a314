package dev.strata.testing;

import dev.strata.store.ObjectInfo;
import dev.strata.store.ObjectKey;
import dev.strata.store.ObjectListing;
import dev.strata.store.ObjectStore;
import dev.strata.store.StoredObject;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A real store with one interleaving point: after the next read of a given key returns,
 * runs an action (another controller's whole call, say) before the reader goes on. Makes a
 * race between two writers of the bucket happen every time, in a chosen order.
 */
public final class HookedStore implements ObjectStore {
    private record Hook(String key, Runnable action) {}

    private final ObjectStore inner;
    private final AtomicReference<Hook> hook = new AtomicReference<>();

    public HookedStore(ObjectStore inner) {
        this.inner = inner;
    }

    /** Once: after the next {@code get} of {@code key} returns, runs {@code action} first. */
    public void afterNextGet(String key, Runnable action) {
        hook.set(new Hook(key, action));
    }

    @Override
    public StoredObject get(ObjectKey key) {
        StoredObject o = inner.get(key);
        Hook h = hook.get();
        if (h != null && h.key().equals(key.value()) && hook.compareAndSet(h, null)) h.action().run();
        return o;
    }

    @Override public byte[] getRange(ObjectKey key, long offset, int length) { return inner.getRange(key, offset, length); }
    @Override public String put(ObjectKey key, byte[] data) { return inner.put(key, data); }
    @Override public String putIfAbsent(ObjectKey key, byte[] data) { return inner.putIfAbsent(key, data); }
    @Override public String putIfMatch(ObjectKey key, byte[] data, String etag) { return inner.putIfMatch(key, data, etag); }
    @Override public void delete(ObjectKey key) { inner.delete(key); }
    @Override public Optional<ObjectInfo> head(ObjectKey key) { return inner.head(key); }
    @Override public ObjectListing list(ObjectKey prefix, String startAfter, int maxKeys) { return inner.list(prefix, startAfter, maxKeys); }
    @Override public String describe() { return inner.describe(); }
    @Override public void close() { inner.close(); }
}
