package dev.strata.store;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.testing.S3Server;
import java.net.ServerSocket;
import java.net.URI;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class S3ObjectStoreTest extends ObjectStoreContract {
    @RegisterExtension
    static final S3ProxyExtension PROXY = S3Server.extension();

    @Override
    ObjectStore newStore() {
        return S3ObjectStore.open(S3Server.freshBucket(PROXY));
    }

    @Test
    void keysLiveUnderThePrefixOnly() {
        S3Config config = S3Server.freshBucket(PROXY);
        try (S3ObjectStore prefixed = S3ObjectStore.open(config);
             var raw = S3Server.client(PROXY.getUri())) {
            prefixed.put(key("volumes/v/volume.json"), bytes("{}"));
            var listed = raw.listObjectsV2(b -> b.bucket(config.bucket()));
            assertTrue(listed.contents().stream().allMatch(o -> o.key().startsWith(config.prefix() + "/")));
            assertTrue(listed.contents().stream().anyMatch(o -> o.key().equals(config.prefix() + "/volumes/v/volume.json")));
        }
    }

    @Test
    void wrongCredentialsAreAClearError() {
        S3Config good = S3Server.freshBucket(PROXY);
        S3Config bad = new S3Config(good.bucket(), good.prefix(), good.endpoint(), good.region(), true, S3Server.ACCESS, "wrong");
        StoreException e = assertThrows(StoreException.Unavailable.class, () -> S3ObjectStore.open(bad));
        assertTrue(e.getMessage().contains("start-up check 'bucket' failed") && e.getMessage().contains("--s3-secret-key-file")
                && e.getMessage().contains("403"), e.getMessage());
        assertFalse(e.getMessage().contains("null"), e.getMessage());
    }

    @Test
    void aMissingBucketIsAClearError() {
        S3Config good = S3Server.freshBucket(PROXY);
        S3Config missing = new S3Config("no-such-bucket-here", "", good.endpoint(), good.region(), true, S3Server.ACCESS, S3Server.SECRET);
        StoreException e = assertThrows(StoreException.Unavailable.class, () -> S3ObjectStore.open(missing));
        assertTrue(e.getMessage().contains("start-up check 'bucket' failed: bucket no-such-bucket-here does not exist"), e.getMessage());
        assertFalse(e.getMessage().contains("probe/"), e.getMessage());
    }

    @Test
    void anUnreachableEndpointFailsQuicklyAsUnavailable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        S3Config closed = new S3Config("bucket", "", URI.create("http://127.0.0.1:" + port), "us-east-1", true, "a", "b");
        StoreException e = assertThrows(StoreException.Unavailable.class, () -> S3ObjectStore.open(closed));
        assertTrue(e.getMessage().contains("cannot reach"), e.getMessage());
    }
}
