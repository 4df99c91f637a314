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
 * The engine's view of the object store: JSON records and manifests, store failures turned
 * into {@link VolumeException}s in this one place.
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
            return Optional.of(call(() -> store.get(key)));
        } catch (StoreException.NotFound e) {
            return Optional.empty();
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
            return ManifestCodec.decodeHeader(call(() -> store.getRange(key, 0, ManifestHeader.MAX_BYTES)), key.value());
        } catch (StoreException.NotFound e) {
            throw new VolumeException.Corrupt("manifest " + key + " is missing", null);
        }
    }

    /** Creates the object if absent; false if it already exists. */
    boolean create(ObjectKey key, byte[] data) {
        try {
            call(() -> store.putIfAbsent(key, data));
            return true;
        } catch (StoreException.PreconditionFailed e) {
            return false;
        }
    }

    boolean createJson(ObjectKey key, Object value) {
        return create(key, Json.write(value));
    }

    /** Replaces the record if it is still at {@code etag}; false if it changed or vanished. */
    boolean replaceJson(ObjectKey key, Object value, String etag) {
        try {
            call(() -> store.putIfMatch(key, Json.write(value), etag));
            return true;
        } catch (StoreException.PreconditionFailed | StoreException.NotFound e) {
            return false;
        }
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

    /** Runs a store call; NotFound and PreconditionFailed pass through for the caller. */
    <T> T call(Supplier<T> action) {
        try {
            return action.get();
        } catch (StoreException.NotFound | StoreException.PreconditionFailed e) {
            throw e;
        } catch (StoreException.InvalidKey e) {
            throw new VolumeException.InvalidArgument(e.getMessage());
        } catch (StoreException e) {
            throw new VolumeException.Unavailable("object store " + store.describe() + ": " + e.getMessage(), e);
        }
    }
}
