package dev.strata.cli;

import dev.strata.store.S3Config;
import dev.strata.testing.S3Server;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The conformance suite against a real S3-compatible server on loopback. */
class CsiConformanceS3Test extends CsiConformanceContract implements ModifyVolumeConformance, SnapshotMetadataConformance, GroupSnapshotConformance {
    @RegisterExtension
    static final S3ProxyExtension PROXY = S3Server.extension();

    @Override
    StoreOptions storeOptions(Path stateDir) {
        S3Config bucket = S3Server.freshBucket(PROXY);
        StoreOptions o = new StoreOptions();
        o.stateDir = stateDir;
        o.store = "s3://" + bucket.bucket() + "/" + bucket.prefix();
        o.s3Endpoint = bucket.endpoint().toString();
        o.s3PathStyle = true;
        o.s3Region = "us-east-1";
        o.s3AccessKey = S3Server.ACCESS;
        try {
            o.s3SecretKeyFile = Files.writeString(stateDir.resolve("secret"), S3Server.SECRET);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return o;
    }
}
