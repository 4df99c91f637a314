package dev.strata.node;

import dev.strata.store.ObjectInfo;
import dev.strata.store.ObjectKey;
import dev.strata.store.ObjectListing;
import dev.strata.store.ObjectStore;
import dev.strata.store.StoredObject;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/** Counts the requests a real store is sent (what a node's boot costs in S3 calls). */
final class CountingStore implements ObjectStore {
    final ObjectStore inner;
    final AtomicLong requests = new AtomicLong(), lists = new AtomicLong();

    CountingStore(ObjectStore inner) {
        this.inner = inner;
    }

    @Override public StoredObject get(ObjectKey key) { requests.incrementAndGet(); return inner.get(key); }
    @Override public byte[] getRange(ObjectKey key, long offset, int length) { requests.incrementAndGet(); return inner.getRange(key, offset, length); }
    @Override public String put(ObjectKey key, byte[] data) { requests.incrementAndGet(); return inner.put(key, data); }
    @Override public String putIfAbsent(ObjectKey key, byte[] data) { requests.incrementAndGet(); return inner.putIfAbsent(key, data); }
    @Override public String putIfMatch(ObjectKey key, byte[] data, String etag) { requests.incrementAndGet(); return inner.putIfMatch(key, data, etag); }
    @Override public void delete(ObjectKey key) { requests.incrementAndGet(); inner.delete(key); }
    @Override public Optional<ObjectInfo> head(ObjectKey key) { requests.incrementAndGet(); return inner.head(key); }

    @Override
    public ObjectListing list(ObjectKey prefix, String startAfter, int maxKeys) {
        requests.incrementAndGet();
        lists.incrementAndGet();
        return inner.list(prefix, startAfter, maxKeys);
    }

    @Override public String describe() { return inner.describe(); }
    @Override public void close() { inner.close(); }
}
