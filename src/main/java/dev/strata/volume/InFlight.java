package dev.strata.volume;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Loads under way, by key: concurrent misses of one key share one load. The caller that
 * claims a key loads it and completes its future; the others wait on that future without
 * holding any lock. A load is removed once completed (its value lives in the caller's cache
 * from then on), so a failed load is retried by the next miss.
 */
final class InFlight<K, V> {
    private final ConcurrentHashMap<K, CompletableFuture<V>> loads = new ConcurrentHashMap<>();

    /** The load of {@code key} under way, or null. */
    CompletableFuture<V> pending(K key) {
        return loads.get(key);
    }

    /** Makes the caller the loader of {@code key}: its future, or null when another load is under way. */
    CompletableFuture<V> claim(K key) {
        CompletableFuture<V> mine = new CompletableFuture<>();
        return loads.putIfAbsent(key, mine) == null ? mine : null;
    }

    /** Ends a claimed load with its value; the caller has cached the value first. */
    void complete(K key, CompletableFuture<V> claimed, V value) {
        loads.remove(key, claimed);
        claimed.complete(value);
    }

    /** Ends a claimed load with its failure: its waiters get the same exception. */
    void fail(K key, CompletableFuture<V> claimed, Throwable failure) {
        loads.remove(key, claimed);
        claimed.completeExceptionally(failure);
    }

    /** The value of {@code key}: waits for a load under way, or runs {@code load} as its loader. */
    V load(K key, Supplier<V> load) {
        while (true) {
            CompletableFuture<V> under = loads.get(key);
            if (under != null) return join(under);
            CompletableFuture<V> mine = claim(key);
            if (mine == null) continue;
            try {
                V value = load.get();
                complete(key, mine, value);
                return value;
            } catch (RuntimeException | Error e) {
                fail(key, mine, e);
                throw e;
            }
        }
    }

    /** Waits for a load; its failure is rethrown as the loader saw it (a VolumeException stays one). */
    static <V> V join(CompletableFuture<V> load) {
        try {
            return load.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new VolumeException.Unavailable("a bucket read failed: " + e.getCause(), e.getCause());
        }
    }
}
