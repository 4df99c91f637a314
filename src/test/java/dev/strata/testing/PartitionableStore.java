package dev.strata.testing;

import dev.strata.store.ObjectInfo;
import dev.strata.store.ObjectKey;
import dev.strata.store.ObjectListing;
import dev.strata.store.ObjectStore;
import dev.strata.store.StoreException;
import dev.strata.store.StoredObject;
import java.util.Optional;

/** A node's connection to the bucket that can be cut (every request fails) and healed. */
public final class PartitionableStore implements ObjectStore {
    private final ObjectStore inner;
    private volatile boolean cut;

    public PartitionableStore(ObjectStore inner) {
        this.inner = inner;
    }

    public void cut() {
        cut = true;
    }

    public void heal() {
        cut = false;
    }

    private ObjectStore up() {
        if (cut) throw new StoreException.Unavailable("partitioned from the bucket (test)", null);
        return inner;
    }

    @Override public StoredObject get(ObjectKey key) { return up().get(key); }
    @Override public byte[] getRange(ObjectKey key, long offset, int length) { return up().getRange(key, offset, length); }
    @Override public String put(ObjectKey key, byte[] data) { return up().put(key, data); }
    @Override public String putIfAbsent(ObjectKey key, byte[] data) { return up().putIfAbsent(key, data); }
    @Override public String putIfMatch(ObjectKey key, byte[] data, String etag) { return up().putIfMatch(key, data, etag); }
    @Override public void delete(ObjectKey key) { up().delete(key); }
    @Override public Optional<ObjectInfo> head(ObjectKey key) { return up().head(key); }
    @Override public ObjectListing list(ObjectKey prefix, String startAfter, int maxKeys) { return up().list(prefix, startAfter, maxKeys); }
    @Override public String describe() { return "partitionable " + inner.describe(); }
    @Override public void close() {}
}
