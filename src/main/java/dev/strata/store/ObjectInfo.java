package dev.strata.store;

/** What {@link ObjectStore#head} and listings report of one object. */
public record ObjectInfo(String key, long size, String etag) {}
