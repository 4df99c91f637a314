package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.store.S3Config;
import dev.strata.testing.S3Server;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** docs/options.md: a failed S3 start-up check exits 3 with a message naming the check. */
class StartupChecksTest {
    @RegisterExtension
    static final S3ProxyExtension PROXY = S3Server.extension();

    @TempDir Path state;

    record Run(int code, String err) {}

    Run volumes(String bucket, String secret) throws Exception {
        Path secretFile = Files.writeString(state.resolve("secret"), secret);
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Main.run("volumes", "--store", "s3://" + bucket + "/p", "--s3-endpoint", PROXY.getUri().toString(),
                    "--s3-path-style", "--s3-access-key", S3Server.ACCESS, "--s3-secret-key-file", secretFile.toString(),
                    "--state-dir", state.toString());
            return new Run(code, err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(oldErr);
        }
    }

    @Test
    void aMissingBucketExits3NamingTheCheck() throws Exception {
        Run r = volumes("no-such-bucket-here", S3Server.SECRET);
        assertEquals(Failures.UNAVAILABLE, r.code(), r.err());
        assertTrue(r.err().contains("start-up check 'bucket' failed: bucket no-such-bucket-here does not exist"), r.err());
        assertFalse(r.err().contains("probe/"), r.err());
    }

    @Test
    void aWrongSecretExits3NamingTheCheck() throws Exception {
        S3Config bucket = S3Server.freshBucket(PROXY);
        Run r = volumes(bucket.bucket(), "wrong-secret");
        assertEquals(Failures.UNAVAILABLE, r.code(), r.err());
        assertTrue(r.err().contains("start-up check 'bucket' failed: access to bucket " + bucket.bucket() + " was denied"), r.err());
        assertFalse(r.err().contains("(null)"), r.err());
        assertEquals(0, volumes(bucket.bucket(), S3Server.SECRET).code(), "the right secret passes every check");
    }
}
