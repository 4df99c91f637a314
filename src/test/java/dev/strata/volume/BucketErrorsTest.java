package dev.strata.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.strata.store.FileObjectStore;
import dev.strata.store.StoreException;
import dev.strata.testing.FailingStore;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every kind of store failure becomes the same engine error whichever path met it: a record
 * call through the bucket, a pack read of the node's pack cache, a pack upload of a cut.
 * (They were mapped in three places, three ways: a refused key was InvalidArgument on one
 * path and Unavailable on the others; a missing object escaped one path unmapped.)
 */
class BucketErrorsTest {
    static final EngineOptions MANUAL = new EngineOptions(Duration.ofHours(1), Long.MAX_VALUE / 2, false, 2, 8);

    enum Kind {
        NOT_FOUND(StoreException.NotFound::new, VolumeException.Corrupt.class),
        PRECONDITION_FAILED(StoreException.PreconditionFailed::new, VolumeException.Aborted.class),
        INVALID_KEY(k -> new StoreException.InvalidKey("refused " + k), VolumeException.InvalidArgument.class),
        UNAVAILABLE(k -> new StoreException.Unavailable("down: " + k, null), VolumeException.Unavailable.class),
        UNSUPPORTED(k -> new StoreException.Unsupported("unsupported: " + k), VolumeException.Unavailable.class);

        final Function<String, StoreException> failure;
        final Class<? extends VolumeException> becomes;

        Kind(Function<String, StoreException> failure, Class<? extends VolumeException> becomes) {
            this.failure = failure;
            this.becomes = becomes;
        }
    }

    @TempDir Path tmp;

    @ParameterizedTest
    @EnumSource(Kind.class)
    void eachStoreFailureBecomesTheSameEngineErrorOnEveryPath(Kind kind) {
        FailingStore store = new FailingStore(new FileObjectStore(tmp.resolve("bucket")));
        Registry registry = new Registry(store, Clock.systemUTC());
        VolumeName name = new VolumeName("e");
        registry.create(new CreateSpec(name, "e", 16 << 20, 0, FromRef.BLANK, Map.of()));
        long epoch = registry.ownership().grant(name, new NodeId("n"), false, null).owner().epoch();
        try (AttachedVolume v = AttachedVolume.attach(registry, new PackCache(store, 1 << 20), name, epoch, tmp.resolve("cache"),
                MANUAL, Clock.systemUTC())) {
            v.write(0, ByteBuffer.allocate(65536).put(0, (byte) 1));
            v.drain(); // chunk 0 now has a pack in the bucket
            v.write(65536, ByteBuffer.allocate(65536).put(0, (byte) 2));
            String packs = Layout.packs(v.pool).value();
            store.fail(k -> k.startsWith(packs), kind.failure);

            VolumeException upload = assertThrows(VolumeException.class, v::cut, "pack upload");
            VolumeException packRead = assertThrows(VolumeException.class, () -> new PackCache(store, 0, Duration.ZERO)
                    .locate(v.pool, v.uploader.commit().chain(), 0, 0, v.blocksPerChunk), "pack read");
            VolumeException record = assertThrows(VolumeException.class,
                    () -> registry.bucket().list(Layout.packs(v.pool), null, 10), "bucket call");

            assertEquals(List.of(kind.becomes, kind.becomes, kind.becomes),
                    List.of(upload.getClass(), packRead.getClass(), record.getClass()), "upload, pack read, bucket call");
            store.heal();
            v.drain();
        }
        registry.ownership().revoke(name, null);
        store.close();
    }
}
