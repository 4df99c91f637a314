package dev.strata.volume;

import dev.strata.store.ObjectStore;
import dev.strata.store.S3ObjectStore;
import dev.strata.testing.S3Server;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

class S3RegistryTest extends RegistryContract {
    @RegisterExtension
    static final S3ProxyExtension PROXY = S3Server.extension();

    @Override
    ObjectStore newStore() {
        return S3ObjectStore.open(S3Server.freshBucket(PROXY));
    }
}
