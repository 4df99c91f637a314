package dev.strata.volume;

import dev.strata.store.ObjectInfo;
import dev.strata.store.ObjectKey;
import dev.strata.store.ObjectListing;
import dev.strata.store.ObjectStore;
import dev.strata.store.StoreException;
import dev.strata.store.StoredObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The engine's view of the object store: JSON records, manifests and packs. Every bucket call
 * of the engine goes through here, and a store failure becomes a {@link VolumeException} in
 * exactly one place, {@link #engineError}: the same kind maps the same way whether a record
 * read, a pack read or a pack upload met it. A method that gives a store answer a meaning (an
 * absent record, a lost conditional create) handles that answer itself before mapping.
 */
final class Bucket {
    /** A value read together with the etag it was read at. */
    record Versioned<T>(T value, String etag) {}

    private final ObjectStore store;

    Bucket(ObjectStore store) {
        this.store = store;
    }

    ObjectStore store() {
        return store;
    }

    <T> Optional<Versioned<T>> readJson(ObjectKey key, Class<T> type) {
        return readBytes(key).map(o -> new Versioned<>(Json.read(o.data(), type, key.value()), o.etag()));
    }

    Optional<StoredObject> readBytes(ObjectKey key) {
        try {
            return Optional.of(store.get(key));
        } catch (StoreException.NotFound e) {
            return Optional.empty();
        } catch (StoreException e) {
            throw engineError(e);
        }
    }

    Manifest readManifest(ObjectKey key) {
        StoredObject o = readBytes(key).orElseThrow(
                () -> new VolumeException.Corrupt("manifest " + key + " is missing", null));
        return ManifestCodec.decode(o.data(), key.value());
    }

    /** The header of a manifest, from one small ranged GET. */
    ManifestHeader readManifestHeader(ObjectKey key) {
        try {
            return ManifestCodec.decodeHeader(store.getRange(key, 0, ManifestHeader.MAX_BYTES), key.value());
        } catch (StoreException.NotFound e) {
            throw new VolumeException.Corrupt("manifest " + key + " is missing", null);
        } catch (StoreException e) {
            throw engineError(e);
        }
    }

    /** Creates the object if absent; false if it already exists. */
    boolean create(ObjectKey key, byte[] data) {
        try {
            store.putIfAbsent(key, data);
            return true;
        } catch (StoreException.PreconditionFailed e) {
            return false;
        } catch (StoreException e) {
            throw engineError(e);
        }
    }

    boolean createJson(ObjectKey key, Object value) {
        return create(key, Json.write(value));
    }

    /** Replaces the record if it is still at {@code etag}; false if it changed or vanished. */
    boolean replaceJson(ObjectKey key, Object value, String etag) {
        byte[] bytes = Json.write(value);
        try {
            store.putIfMatch(key, bytes, etag);
            return true;
        } catch (StoreException.PreconditionFailed | StoreException.NotFound e) {
            return false;
        } catch (StoreException e) {
            throw engineError(e);
        }
    }

    /** Creates or replaces the object (a record only this caller writes, a content-addressed pack). */
    void put(ObjectKey key, byte[] data) {
        call(() -> store.put(key, data));
    }

    /** Up to {@code length} bytes of the object from {@code offset}; Corrupt if it is missing. */
    byte[] readRange(ObjectKey key, long offset, int length) {
        return call(() -> store.getRange(key, offset, length));
    }

    void delete(ObjectKey key) {
        call(() -> {
            store.delete(key);
            return null;
        });
    }

    boolean exists(ObjectKey key) {
        return call(() -> store.head(key)).isPresent();
    }

    /** One page of keys under the prefix, after {@code startAfter} (null: from the start). */
    ObjectListing list(ObjectKey prefix, String startAfter, int max) {
        return call(() -> store.list(prefix, startAfter, max));
    }

    /**
     * The last key under the prefix after {@code startAfter} whose final segment is a
     * 20-digit number (keys of any other shape — a server's temporary objects, strays — are
     * ignored), paging through as needed.
     */
    Optional<ObjectInfo> lastNumbered(ObjectKey prefix, String startAfter) {
        ObjectInfo last = null;
        String after = startAfter;
        while (true) {
            ObjectListing page = list(prefix, after, 1000);
            for (ObjectInfo o : page.objects()) if (isNumbered(o.key())) last = o;
            if (!page.truncated()) return Optional.ofNullable(last);
            after = page.nextStartAfter();
        }
    }

    static boolean isNumbered(String key) {
        int slash = key.lastIndexOf('/');
        String tail = key.substring(slash + 1);
        return tail.length() == 20 && tail.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    static long number(ObjectInfo o) {
        return Long.parseLong(o.key().substring(o.key().lastIndexOf('/') + 1));
    }

    /** Every key under the prefix (for small prefixes only). */
    List<ObjectInfo> listAll(ObjectKey prefix) {
        List<ObjectInfo> all = new ArrayList<>();
        String after = null;
        do {
            ObjectListing page = list(prefix, after, 1000);
            all.addAll(page.objects());
            after = page.nextStartAfter();
        } while (after != null);
        return all;
    }

    /** Runs a store call, its failure mapped by {@link #engineError}. */
    <T> T call(Supplier<T> action) {
        try {
            return action.get();
        } catch (StoreException e) {
            throw engineError(e);
        }
    }

    /**
     * The engine error a store failure becomes — the one mapping, exhaustive over the store's
     * sealed family. A missing object the engine expected to read is Corrupt (the bucket lost
     * something a manifest points at); a conditional write that lost is Aborted (retry); a key
     * the store refuses is InvalidArgument; an unreachable or unusable store is Unavailable.
     */
    VolumeException engineError(StoreException e) {
        String where = "object store " + store.describe() + ": " + e.getMessage();
        return switch (e) {
            case StoreException.NotFound n -> new VolumeException.Corrupt(where + " (the object is missing from the bucket)", n);
            case StoreException.PreconditionFailed p -> new VolumeException.Aborted(where + "; retry");
            case StoreException.InvalidKey k -> new VolumeException.InvalidArgument(k.getMessage());
            case StoreException.Unavailable u -> new VolumeException.Unavailable(where, u);
            case StoreException.Unsupported u -> new VolumeException.Unavailable(where, u);
        };
    }
}
