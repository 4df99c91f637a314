package dev.strata.store;

import java.util.Optional;

/**
 * A flat key → bytes store with S3 semantics: the only shared state of Strata.
 *
 * <p>Keys are validated by {@link ObjectKey}; callers above {@code store} build them from
 * validated names only. Every method is safe to call from many threads. Failures are
 * {@link StoreException}s: {@code NotFound}, {@code PreconditionFailed} (a conditional
 * write lost), {@code Unavailable} (the backend could not be reached; retrying may help).
 */
public interface ObjectStore extends AutoCloseable {

    /** The whole object. Throws {@code NotFound} if absent. */
    StoredObject get(ObjectKey key);

    /**
     * Up to {@code length} bytes from {@code offset}; fewer only at the end of the object.
     * Throws {@code NotFound} if absent; an offset at or past the end returns no bytes.
     */
    byte[] getRange(ObjectKey key, long offset, int length);

    /** Creates or replaces the object; returns its new etag. Idempotent. */
    String put(ObjectKey key, byte[] data);

    /**
     * Creates the object only if no object has that key ({@code If-None-Match: *}).
     * Exactly one of many concurrent callers wins; the others get {@code PreconditionFailed}.
     */
    String putIfAbsent(ObjectKey key, byte[] data);

    /**
     * Replaces the object only if its current etag is {@code etag} ({@code If-Match}).
     * {@code PreconditionFailed} if it differs, {@code NotFound} if the object is absent.
     * Some S3-compatible servers only emulate this; Strata's commits do not rely on it.
     */
    String putIfMatch(ObjectKey key, byte[] data, String etag);

    /** Deletes the object. Deleting an absent object succeeds (idempotent). */
    void delete(ObjectKey key);

    /** Metadata of the object, or empty if absent. */
    Optional<ObjectInfo> head(ObjectKey key);

    /**
     * One page of the keys under {@code prefix}, in lexicographic (UTF-8 byte) order,
     * starting after {@code startAfter} (exclusive; null for the first page). At most
     * {@code maxKeys} entries; {@code truncated} tells whether more follow.
     */
    ObjectListing list(ObjectKey prefix, String startAfter, int maxKeys);

    /** A short human description (for logs and errors), e.g. {@code s3://bucket/prefix}. */
    String describe();

    @Override
    void close();
}
