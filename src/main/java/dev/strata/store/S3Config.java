package dev.strata.store;

import java.net.URI;

/**
 * Where an S3 bucket is and how to reach it.
 *
 * @param bucket    bucket name
 * @param prefix    key prefix inside the bucket ("" or segments without leading/trailing '/')
 * @param endpoint  endpoint override (MinIO, Ceph, S3Proxy), or null for AWS
 * @param region    region
 * @param pathStyle address the bucket in the path instead of the host name
 * @param accessKey static access key, or null for the default credential chain
 * @param secretKey static secret key (with accessKey)
 */
public record S3Config(String bucket, String prefix, URI endpoint, String region, boolean pathStyle,
                       String accessKey, String secretKey) {
    public S3Config {
        if (bucket == null || !bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"))
            throw new StoreException.InvalidKey("bucket name '" + bucket + "' is not a valid S3 bucket name");
        prefix = prefix == null ? "" : prefix.replaceAll("^/+|/+$", "");
        if (!prefix.isEmpty()) new ObjectKey(prefix);
        if (region == null || region.isBlank()) region = "us-east-1";
        if ((accessKey == null) != (secretKey == null))
            throw new StoreException.InvalidKey("give both an access key and a secret key, or neither");
    }

    /** The full key in the bucket for a store key. */
    String fullKey(String key) {
        return prefix.isEmpty() ? key : prefix + "/" + key;
    }

    String stripPrefix(String fullKey) {
        return prefix.isEmpty() ? fullKey : fullKey.substring(prefix.length() + 1);
    }

    @Override
    public String toString() {
        return "s3://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix)
                + (endpoint == null ? "" : " at " + endpoint) + " (secret redacted)";
    }
}
