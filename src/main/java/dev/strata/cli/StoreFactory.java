package dev.strata.cli;

import dev.strata.store.FileObjectStore;
import dev.strata.store.ObjectStore;
import dev.strata.store.S3Config;
import dev.strata.store.S3ObjectStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens the store a {@code --store} URI names. */
final class StoreFactory {
    private StoreFactory() {}

    static ObjectStore open(URI uri, StoreOptions options) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme();
        return switch (scheme) {
            case "file" -> new FileObjectStore(Path.of(uri));
            case "s3" -> S3ObjectStore.open(s3Config(uri, options));
            default -> throw new IllegalArgumentException("--store must be file:///DIR or s3://BUCKET[/PREFIX], got " + uri);
        };
    }

    static S3Config s3Config(URI uri, StoreOptions o) {
        String secret = null;
        if (o.s3SecretKeyFile != null && !o.s3SecretKeyFile.toString().isEmpty()) {
            try {
                secret = Files.readString(o.s3SecretKeyFile).strip();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read --s3-secret-key-file " + o.s3SecretKeyFile, e);
            }
        }
        String access = o.s3AccessKey == null || o.s3AccessKey.isBlank() ? null : o.s3AccessKey;
        URI endpoint = o.s3Endpoint == null || o.s3Endpoint.isBlank() ? null : URI.create(o.s3Endpoint);
        String prefix = uri.getPath() == null ? "" : uri.getPath();
        return new S3Config(uri.getHost(), prefix, endpoint, o.s3Region, o.s3PathStyle, access, secret);
    }
}
