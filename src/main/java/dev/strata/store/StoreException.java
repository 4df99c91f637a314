package dev.strata.store;

/** Every failure of an {@link ObjectStore}; the layer above maps each kind exactly once. */
public abstract sealed class StoreException extends RuntimeException {
    private StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    /** No object has that key. */
    public static final class NotFound extends StoreException {
        public NotFound(String key) { super("no object " + key, null); }
    }

    /** A conditional write lost: the object exists (If-None-Match) or changed (If-Match). */
    public static final class PreconditionFailed extends StoreException {
        public PreconditionFailed(String key) { super("precondition failed for " + key, null); }
    }

    /** The backend could not be reached or failed; a retry may succeed. */
    public static final class Unavailable extends StoreException {
        public Unavailable(String message, Throwable cause) { super(message, cause); }
    }

    /** A key that could escape its prefix or is not allowed. */
    public static final class InvalidKey extends StoreException {
        public InvalidKey(String message) { super(message, null); }
    }

    /** The store refused to start, e.g. it does not honour conditional writes. */
    public static final class Unsupported extends StoreException {
        public Unsupported(String message) { super(message, null); }
    }
}
