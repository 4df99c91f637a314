package dev.strata.cli;

import dev.strata.store.ObjectStore;
import dev.strata.store.MeteredStore;
import java.net.URI;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the bucket is: shared by every command (a picocli mixin). */
final class StoreOptions {
    @Option(names = "--store", paramLabel = "URI", defaultValue = "${env:STRATA_STORE:-}",
            description = "The object store holding every volume: file:///DIR (the embedded default) or "
                    + "s3://BUCKET[/PREFIX]. Default: file://<state dir>/bucket. Env: STRATA_STORE.")
    String store;

    @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = "${env:STRATA_STATE_DIR:-}",
            description = "Local state (embedded bucket, caches, local map). Default: /var/lib/strata as root, else ~/.strata.")
    Path stateDir;

    @Option(names = "--s3-endpoint", paramLabel = "URL", defaultValue = "${env:STRATA_S3_ENDPOINT:-}",
            description = "S3 endpoint override (MinIO, Ceph, a local S3Proxy). Default: AWS for the region.")
    String s3Endpoint;

    @Option(names = "--s3-region", paramLabel = "REGION", defaultValue = "${env:STRATA_S3_REGION:-us-east-1}",
            description = "S3 region (default ${DEFAULT-VALUE}).")
    String s3Region;

    @Option(names = "--s3-path-style", negatable = true, defaultValue = "false",
            description = "Address the bucket in the path, not the host name (most non-AWS servers need this).")
    boolean s3PathStyle;

    @Option(names = "--s3-access-key", paramLabel = "KEY", defaultValue = "${env:STRATA_S3_ACCESS_KEY:-}",
            description = "S3 access key; with --s3-secret-key-file. Default: the AWS default credential chain.")
    String s3AccessKey;

    @Option(names = "--s3-secret-key-file", paramLabel = "FILE", defaultValue = "${env:STRATA_S3_SECRET_KEY_FILE:-}",
            description = "File holding the S3 secret key (never pass secrets as arguments).")
    Path s3SecretKeyFile;

    Path stateDir() {
        if (stateDir != null && !stateDir.toString().isEmpty()) return stateDir.toAbsolutePath();
        boolean root = "root".equals(System.getProperty("user.name"));
        return root ? Path.of("/var/lib/strata") : Path.of(System.getProperty("user.home"), ".strata");
    }

    /** Opens the configured store (checking conditional writes for S3). */
    ObjectStore open() {
        String uri = store == null || store.isBlank() ? stateDir().resolve("bucket").toUri().toString() : store;
        return new MeteredStore(StoreFactory.open(URI.create(uri), this));
    }
}
