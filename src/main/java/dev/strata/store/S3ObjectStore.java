package dev.strata.store;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * An {@link ObjectStore} on an S3 bucket (AWS SDK v2), every key under the configured prefix.
 * Conditional writes use {@code If-None-Match: *} and {@code If-Match}; 412 (and 409, a
 * concurrent conditional write) become PreconditionFailed, 404 NotFound, anything that
 * cannot reach the bucket Unavailable — after the SDK's bounded retries.
 */
public final class S3ObjectStore implements ObjectStore {
    private final S3Client s3;
    private final S3Config config;

    private S3ObjectStore(S3Client s3, S3Config config) {
        this.s3 = s3;
        this.config = config;
    }

    /** Connects, checks the bucket exists and honours conditional creates; else a clear error. */
    public static S3ObjectStore open(S3Config config) {
        S3ObjectStore store = connect(config);
        try {
            store.verifyConditionalWrites();
            return store;
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /** The bytes as a request body without the copy {@code RequestBody.fromBytes} makes: callers never change them afterwards. */
    private static RequestBody body(byte[] data) {
        return RequestBody.fromContentProvider(software.amazon.awssdk.http.ContentStreamProvider.fromByteArrayUnsafe(data),
                data.length, "application/octet-stream");
    }

    /** Connects without the start-up checks (tests of the checks themselves). */
    static S3ObjectStore connect(S3Config config) {
        AwsCredentialsProvider credentials = config.accessKey() == null ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create(config.accessKey(), config.secretKey()));
        var builder = S3Client.builder()
                .region(Region.of(config.region()))
                .credentialsProvider(credentials)
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(config.pathStyle()).build())
                .httpClientBuilder(ApacheHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(3))
                        .socketTimeout(Duration.ofSeconds(30))
                        .maxConnections(64))
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(6).build())
                        .apiCallTimeout(Duration.ofSeconds(60)).apiCallAttemptTimeout(Duration.ofSeconds(30)));
        if (config.endpoint() != null) builder.endpointOverride(config.endpoint());
        return new S3ObjectStore(builder.build(), config);
    }

    /**
     * The start-up checks, in order, each named in its failure (docs/options.md): "bucket"
     * (it exists and these credentials may use it), then "conditional writes" (the server
     * refuses a second {@code If-None-Match: *} create of one key). Writes and deletes one
     * probe object under the prefix. A failed check is Unavailable (exit 3), never NotFound.
     */
    void verifyConditionalWrites() {
        ObjectKey probe = new ObjectKey("probe/conditional-write-" + java.util.UUID.randomUUID());
        startupCheck("bucket", () -> s3.headBucket(b -> b.bucket(config.bucket())));
        startupCheck("conditional writes", () -> {
            try {
                putIfAbsent(probe, new byte[] {1});
                try {
                    putIfAbsent(probe, new byte[] {2});
                } catch (StoreException.PreconditionFailed expected) {
                    return null;
                }
                throw new StoreException.Unsupported("start-up check 'conditional writes' failed: bucket " + config
                        + " accepted a second If-None-Match: * create of the same key; Strata needs conditional writes "
                        + "(S3, MinIO, Ceph RGW and S3Proxy have them)");
            } finally {
                delete(probe);
            }
        });
    }

    private void startupCheck(String check, Supplier<?> step) {
        String failed = "start-up check '" + check + "' failed: ";
        try {
            step.get();
        } catch (NoSuchBucketException e) {
            throw new StoreException.Unavailable(failed + "bucket " + config.bucket() + " does not exist"
                    + (config.endpoint() == null ? "" : " at " + config.endpoint()) + "; create it or fix --store", e);
        } catch (S3Exception e) {
            throw new StoreException.Unavailable(failed + startupReason(e), e);
        } catch (StoreException.Unsupported e) {
            throw e;
        } catch (StoreException e) {
            throw new StoreException.Unavailable(failed + e.getMessage(), e);
        } catch (SdkClientException e) {
            throw new StoreException.Unavailable(failed + "cannot reach S3 " + config + ": " + e.getMessage(), e);
        }
    }

    private String startupReason(S3Exception e) {
        return switch (e.statusCode()) {
            case 404 -> "bucket " + config.bucket() + " does not exist" + (config.endpoint() == null ? "" : " at " + config.endpoint())
                    + "; create it or fix --store";
            case 401, 403 -> "access to bucket " + config.bucket() + " was denied (" + errorCode(e) + "): check --s3-access-key "
                    + "and the key in --s3-secret-key-file, and that they may read and write the bucket";
            default -> "S3 " + config + " answered " + errorCode(e);
        };
    }

    /** The S3 error code, or the HTTP status where the response had no body (as HEAD responses have none). */
    private static String errorCode(S3Exception e) {
        String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
        return code == null || code.isBlank() ? "HTTP " + e.statusCode() : code + ", HTTP " + e.statusCode();
    }

    @Override
    public StoredObject get(ObjectKey key) {
        ResponseBytes<GetObjectResponse> r = call(key, () -> s3.getObjectAsBytes(b -> b.bucket(config.bucket()).key(full(key))));
        return new StoredObject(r.asByteArray(), r.response().eTag());
    }

    @Override
    public byte[] getRange(ObjectKey key, long offset, int length) {
        if (offset < 0 || length < 0) throw new IllegalArgumentException("negative range");
        if (length == 0) return new byte[0];
        try {
            // read straight into an array of the asked length (getObjectAsBytes buffers and copies)
            return call(key, () -> {
                try (var in = s3.getObject(b -> b.bucket(config.bucket()).key(full(key))
                        .range("bytes=" + offset + "-" + (offset + length - 1)))) {
                    byte[] bytes = new byte[length];
                    int n = in.readNBytes(bytes, 0, length);
                    return n == length ? bytes : java.util.Arrays.copyOf(bytes, n);
                } catch (java.io.IOException e) {
                    throw SdkClientException.create("reading " + key + " failed: " + e.getMessage(), e);
                }
            });
        } catch (RangeNotSatisfiable e) {
            return new byte[0];
        }
    }

    @Override
    public String put(ObjectKey key, byte[] data) {
        return call(key, () -> s3.putObject(b -> b.bucket(config.bucket()).key(full(key)), body(data))).eTag();
    }

    @Override
    public String putIfAbsent(ObjectKey key, byte[] data) {
        return call(key, () -> s3.putObject(b -> b.bucket(config.bucket()).key(full(key)).ifNoneMatch("*"),
                body(data))).eTag();
    }

    @Override
    public String putIfMatch(ObjectKey key, byte[] data, String etag) {
        return call(key, () -> s3.putObject(b -> b.bucket(config.bucket()).key(full(key)).ifMatch(etag),
                body(data))).eTag();
    }

    @Override
    public void delete(ObjectKey key) {
        try {
            call(key, () -> s3.deleteObject(b -> b.bucket(config.bucket()).key(full(key))));
        } catch (StoreException.NotFound alreadyGone) {
            // idempotent
        }
    }

    @Override
    public Optional<ObjectInfo> head(ObjectKey key) {
        try {
            HeadObjectResponse r = call(key, () -> s3.headObject(b -> b.bucket(config.bucket()).key(full(key))));
            return Optional.of(new ObjectInfo(key.value(), r.contentLength(), r.eTag()));
        } catch (StoreException.NotFound e) {
            return Optional.empty();
        }
    }

    @Override
    public ObjectListing list(ObjectKey prefix, String startAfter, int maxKeys) {
        if (maxKeys < 1) throw new IllegalArgumentException("maxKeys must be at least 1");
        ListObjectsV2Response r = call(prefix, () -> s3.listObjectsV2(b -> {
            b.bucket(config.bucket()).prefix(full(prefix)).maxKeys(Math.min(maxKeys, 1000));
            if (startAfter != null) b.startAfter(config.fullKey(startAfter));
        }));
        List<ObjectInfo> objects = new ArrayList<>(r.contents().size());
        for (S3Object o : r.contents()) objects.add(new ObjectInfo(config.stripPrefix(o.key()), o.size(), o.eTag()));
        return new ObjectListing(objects, Boolean.TRUE.equals(r.isTruncated()));
    }

    @Override
    public String describe() {
        return config.toString();
    }

    @Override
    public void close() {
        s3.close();
    }

    private String full(ObjectKey key) {
        return config.fullKey(key.value());
    }

    private static final class RangeNotSatisfiable extends RuntimeException {
        RangeNotSatisfiable() { super(null, null, false, false); }
    }

    private <T> T call(ObjectKey key, Supplier<T> request) {
        try {
            return request.get();
        } catch (NoSuchKeyException e) {
            throw new StoreException.NotFound(key.value());
        } catch (S3Exception e) {
            switch (e.statusCode()) {
                case 404 -> throw new StoreException.NotFound(key.value());
                case 412, 409 -> throw new StoreException.PreconditionFailed(key.value());
                case 416 -> throw new RangeNotSatisfiable();
                case 403 -> throw new StoreException.Unavailable("access denied to " + config + " for " + key
                        + ": check the credentials (" + errorCode(e) + ")", e);
                default -> throw new StoreException.Unavailable("S3 " + config + " failed on " + key + ": HTTP "
                        + e.statusCode() + " " + errorCode(e), e);
            }
        } catch (SdkClientException e) {
            throw new StoreException.Unavailable("cannot reach S3 " + config + ": " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new StoreException.Unavailable("S3 " + config + " failed on " + key + ": " + e.getMessage(), e);
        }
    }
}
