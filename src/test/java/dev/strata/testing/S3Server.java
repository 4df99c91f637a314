package dev.strata.testing;

import dev.strata.store.ObjectKey;
import dev.strata.store.S3Config;
import java.net.URI;
import java.util.UUID;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;

/** A real S3-compatible server (S3Proxy, transient backend) on loopback for tests. */
public final class S3Server {
    public static final String ACCESS = "strata-test-access";
    public static final String SECRET = "strata-test-secret-key";

    private S3Server() {}

    public static S3ProxyExtension extension() {
        return S3ProxyExtension.builder().withCredentials(ACCESS, SECRET).withBlobStoreProvider("transient").build();
    }

    /** A fresh bucket on the server, with a random prefix so tests never share keys. */
    public static S3Config freshBucket(S3ProxyExtension proxy) {
        String bucket = "b" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
        try (S3Client s3 = client(proxy.getUri())) {
            s3.createBucket(b -> b.bucket(bucket));
        }
        return new S3Config(bucket, "strata/" + new ObjectKey("t" + UUID.randomUUID().toString().substring(0, 8)),
                proxy.getUri(), "us-east-1", true, ACCESS, SECRET);
    }

    public static S3Client client(URI endpoint) {
        return S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS, SECRET)))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build()).build();
    }
}
