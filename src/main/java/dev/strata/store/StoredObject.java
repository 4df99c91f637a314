package dev.strata.store;

/** An object's bytes with the etag they were read at. */
public record StoredObject(byte[] data, String etag) {
    public StoredObject {
        if (data == null || etag == null) throw new IllegalArgumentException("data and etag are required");
    }
}
