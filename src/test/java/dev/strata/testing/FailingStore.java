package dev.strata.testing;

import dev.strata.store.ObjectInfo;
import dev.strata.store.ObjectKey;
import dev.strata.store.ObjectListing;
import dev.strata.store.ObjectStore;
import dev.strata.store.StoreException;
import dev.strata.store.StoredObject;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A real store whose calls on chosen keys fail with a chosen {@link StoreException} while it
 * is armed — an outage, a refusing bucket, a lost object — without a network in between.
 * Counts the calls it failed.
 */
public final class FailingStore implements ObjectStore {
    private final ObjectStore inner;
    private volatile Predicate<String> keys = k -> false;
    private volatile Function<String, StoreException> failure;
    private final AtomicInteger failed = new AtomicInteger();

    public FailingStore(ObjectStore inner) {
        this.inner = inner;
    }

    /** From now on every call on a key (or listing prefix) that {@code keys} accepts throws {@code failure.apply(key)}. */
    public void fail(Predicate<String> keys, Function<String, StoreException> failure) {
        this.failure = failure;
        this.keys = keys;
    }

    /** Calls pass through again. */
    public void heal() {
        keys = k -> false;
    }

    /** How many calls failed so far. */
    public int failed() {
        return failed.get();
    }

    private void check(ObjectKey key) {
        if (keys.test(key.value())) {
            failed.incrementAndGet();
            throw failure.apply(key.value());
        }
    }

    @Override public StoredObject get(ObjectKey key) { check(key); return inner.get(key); }
    @Override public byte[] getRange(ObjectKey key, long offset, int length) { check(key); return inner.getRange(key, offset, length); }
    @Override public String put(ObjectKey key, byte[] data) { check(key); return inner.put(key, data); }
    @Override public String putIfAbsent(ObjectKey key, byte[] data) { check(key); return inner.putIfAbsent(key, data); }
    @Override public String putIfMatch(ObjectKey key, byte[] data, String etag) { check(key); return inner.putIfMatch(key, data, etag); }
    @Override public void delete(ObjectKey key) { check(key); inner.delete(key); }
    @Override public Optional<ObjectInfo> head(ObjectKey key) { check(key); return inner.head(key); }
    @Override public ObjectListing list(ObjectKey prefix, String startAfter, int maxKeys) { check(prefix); return inner.list(prefix, startAfter, maxKeys); }
    @Override public String describe() { return "failing(" + inner.describe() + ")"; }
    @Override public void close() { inner.close(); }
}
