package dev.strata.store;

import java.util.List;

/** One page of a listing; {@code truncated} means more keys follow the last one. */
public record ObjectListing(List<ObjectInfo> objects, boolean truncated) {
    public ObjectListing {
        objects = List.copyOf(objects);
    }

    /** The key to pass as {@code startAfter} for the next page, or null when done. */
    public String nextStartAfter() {
        return truncated && !objects.isEmpty() ? objects.getLast().key() : null;
    }
}
