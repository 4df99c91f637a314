package dev.strata.volume;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.store.S3Config;
import dev.strata.store.S3ObjectStore;
import dev.strata.testing.DrivenClock;
import dev.strata.testing.FaultyProxy;
import dev.strata.testing.S3Server;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The bucket behind a fault-injecting proxy: uploads fail cleanly while it misbehaves, the
 * volume keeps serving from its cache with its health degraded, nothing acknowledged is lost,
 * and everything reaches the bucket once it recovers.
 */
class FaultsTest {
    @RegisterExtension
    static final S3ProxyExtension PROXY = S3Server.extension();

    static final EngineOptions MANUAL = new EngineOptions(Duration.ofHours(1), Long.MAX_VALUE / 2, false, 2, 4);

    @TempDir Path tmp;

    /** The same bucket as {@code direct}, reached through the fault-injecting proxy. */
    static S3ObjectStore viaProxy(S3Config direct, FaultyProxy proxy) {
        return S3ObjectStore.open(new S3Config(direct.bucket(), direct.prefix(), proxy.uri(), direct.region(), true,
                S3Server.ACCESS, S3Server.SECRET));
    }

    static byte[] data(long seed) {
        byte[] b = new byte[65536];
        new Random(seed).nextBytes(b);
        return b;
    }

    @ParameterizedTest
    @EnumSource(value = FaultyProxy.Mode.class, names = {"ERROR_503", "RESET"})
    void uploadsRetryThroughFaultsAndLoseNothing(FaultyProxy.Mode fault) throws Exception {
        S3Config direct = S3Server.freshBucket(PROXY);
        try (FaultyProxy proxy = new FaultyProxy(PROXY.getUri());
             S3ObjectStore viaProxy = viaProxy(direct, proxy)) {
            Registry registry = new Registry(viaProxy, Clock.systemUTC());
            registry.create(new CreateSpec(new VolumeName("f"), "f", 16 << 20, 0, FromRef.BLANK, Map.of()));
            long epoch = registry.ownership().grant(new VolumeName("f"), new NodeId("n"), false, null).owner().epoch();
            try (AttachedVolume v = AttachedVolume.attach(registry, new PackCache(viaProxy, 1 << 20), new VolumeName("f"), epoch,
                    tmp.resolve("c"), MANUAL, Clock.systemUTC())) {
                v.write(0, ByteBuffer.wrap(data(1)));
                v.flush();
                proxy.mode(fault);
                assertThrows(VolumeException.Unavailable.class, v::cut);
                assertNotNull(v.health().storeError(), "health shows the bucket trouble");
                assertTrue(proxy.faults() > 0);
                v.write(65536, ByteBuffer.wrap(data(2)));
                v.flush();
                ByteBuffer back = ByteBuffer.allocate(65536);
                v.read(0, back);
                assertArrayEquals(data(1), back.array(), "still serving from the local cache");
                proxy.mode(FaultyProxy.Mode.SLOW);
                v.drain();
                assertEquals(0, v.dirtyBlocks());
                assertNull(v.health().storeError(), "healthy again");
            }
            registry.ownership().revoke(new VolumeName("f"), null);
        }
        try (S3ObjectStore store = S3ObjectStore.open(direct)) {
            Registry registry = new Registry(store, Clock.systemUTC());
            long epoch = registry.ownership().grant(new VolumeName("f"), new NodeId("m"), false, null).owner().epoch();
            try (AttachedVolume v = AttachedVolume.attach(registry, new PackCache(store, 1 << 20), new VolumeName("f"), epoch,
                    tmp.resolve("other"), MANUAL, Clock.systemUTC())) {
                ByteBuffer all = ByteBuffer.allocate(2 * 65536);
                v.read(0, all);
                byte[] expected = new byte[2 * 65536];
                System.arraycopy(data(1), 0, expected, 0, 65536);
                System.arraycopy(data(2), 0, expected, 65536, 65536);
                assertArrayEquals(expected, all.array());
            }
        }
    }

    /**
     * Regression (found by the QEMU faults run): during a bucket outage a small write into a
     * chunk this node had uploaded failed with EIO, because finding out whether the block lay in
     * one of the chunk's packs needed the pack's index from the bucket. The uploader now keeps
     * the index of every pack it uploads, so such writes need no bucket read.
     */
    @Test
    void smallWritesIntoChunksThisNodeUploadedNeedNoBucketDuringAnOutage() throws Exception {
        S3Config direct = S3Server.freshBucket(PROXY);
        try (FaultyProxy proxy = new FaultyProxy(PROXY.getUri());
             S3ObjectStore viaProxy = viaProxy(direct, proxy)) {
            Registry registry = new Registry(viaProxy, Clock.systemUTC());
            registry.create(new CreateSpec(new VolumeName("o"), "o", 16 << 20, 0, FromRef.BLANK, Map.of()));
            long epoch = registry.ownership().grant(new VolumeName("o"), new NodeId("n"), false, null).owner().epoch();
            try (AttachedVolume v = AttachedVolume.attach(registry, new PackCache(viaProxy, 1 << 20), new VolumeName("o"), epoch,
                    tmp.resolve("o"), MANUAL, Clock.systemUTC())) {
                v.write(0, ByteBuffer.wrap(data(3)));      // block 0 of chunk 0
                v.drain();                                   // uploaded: chunk 0 now has a pack
                proxy.mode(FaultyProxy.Mode.ERROR_503);
                byte[] small = new byte[4096];
                java.util.Arrays.fill(small, (byte) 9);
                v.write(5 * 65536 + 4096, ByteBuffer.wrap(small)); // a sub-block write to an absent block of chunk 0
                v.flush();
                ByteBuffer back = ByteBuffer.allocate(4096);
                v.read(5 * 65536 + 4096, back);
                assertArrayEquals(small, back.array());
                proxy.mode(FaultyProxy.Mode.PASS);
                v.drain();
            }
        }
    }

    /**
     * Right after a restart nothing of a volume is cached on the node: a read of a block that
     * lives only in the bucket rides out a short outage (retried with backoff), and fails
     * with Unavailable (EIO) once the outage outlasts the retry bound.
     */
    @Test
    void readsOfBlocksOnlyInTheBucketRideOutAShortOutage() throws Exception {
        S3Config direct = S3Server.freshBucket(PROXY);
        try (S3ObjectStore store = S3ObjectStore.open(direct)) {
            Registry registry = new Registry(store, Clock.systemUTC());
            registry.create(new CreateSpec(new VolumeName("r"), "r", 16 << 20, 0, FromRef.BLANK, Map.of()));
            long epoch = registry.ownership().grant(new VolumeName("r"), new NodeId("n"), false, null).owner().epoch();
            try (AttachedVolume v = AttachedVolume.attach(registry, new PackCache(store, 1 << 20), new VolumeName("r"), epoch,
                    tmp.resolve("first"), MANUAL, Clock.systemUTC())) {
                v.write(0, ByteBuffer.wrap(data(7)));
                v.write(8 << 20, ByteBuffer.wrap(data(8)));
                v.drain();
            }
            registry.ownership().revoke(new VolumeName("r"), null);
        }
        try (FaultyProxy proxy = new FaultyProxy(PROXY.getUri());
             S3ObjectStore viaProxy = viaProxy(direct, proxy)) {
            Registry registry = new Registry(viaProxy, Clock.systemUTC());
            long epoch = registry.ownership().grant(new VolumeName("r"), new NodeId("m"), false, null).owner().epoch();
            try (AttachedVolume v = AttachedVolume.attach(registry, new PackCache(viaProxy, 1 << 20, Duration.ofSeconds(20)),
                    new VolumeName("r"), epoch, tmp.resolve("second"), MANUAL, Clock.systemUTC())) {
                proxy.mode(FaultyProxy.Mode.ERROR_503);
                Thread healer = Thread.ofVirtual().start(() -> {
                    try {
                        Thread.sleep(3_000);
                    } catch (InterruptedException e) {
                        return;
                    }
                    proxy.mode(FaultyProxy.Mode.PASS);
                });
                ByteBuffer back = ByteBuffer.allocate(65536);
                v.read(0, back);
                healer.join();
                assertArrayEquals(data(7), back.array(), "read through a 3 s outage");
                assertTrue(proxy.faults() > 0, "the outage was met");
            }
            registry.ownership().revoke(new VolumeName("r"), null);
            epoch = registry.ownership().grant(new VolumeName("r"), new NodeId("m"), false, null).owner().epoch();
            try (AttachedVolume v = AttachedVolume.attach(registry, new PackCache(viaProxy, 1 << 20, Duration.ofSeconds(2)),
                    new VolumeName("r"), epoch, tmp.resolve("third"), MANUAL, Clock.systemUTC())) {
                proxy.mode(FaultyProxy.Mode.ERROR_503);
                VolumeException.Unavailable e = assertThrows(VolumeException.Unavailable.class,
                        () -> v.read(8 << 20, ByteBuffer.allocate(65536)));
                assertTrue(e.getMessage().contains("retried for 2 s"), e.getMessage());
                proxy.mode(FaultyProxy.Mode.PASS);
                ByteBuffer back = ByteBuffer.allocate(65536);
                v.read(8 << 20, back);
                assertArrayEquals(data(8), back.array(), "served once the bucket is back");
            }
        }
    }

    /**
     * A local disk full of data the bucket has not taken (it answers 503): new writes wait,
     * then fail cleanly with "local disk is full" (EIO); everything acknowledged reads back;
     * once the bucket is back the uploader makes room and writes go on; nothing is lost.
     */
    @Test
    void aDiskFullOfUnuploadedDataFailsNewWritesCleanlyAndRecovers() throws Exception {
        S3Config direct = S3Server.freshBucket(PROXY);
        int chunk = 4 << 20;
        int acknowledged = 0;
        try (AutoCloseable disk = EngineTestSupport.smallDisk(tmp.resolve("small.img"), tmp.resolve("small"), 32 << 20);
             FaultyProxy proxy = new FaultyProxy(PROXY.getUri());
             S3ObjectStore viaProxy = viaProxy(direct, proxy)) {
            Registry registry = new Registry(viaProxy, Clock.systemUTC());
            DrivenClock clock = new DrivenClock(); // a full-disk wait passes at once while the bucket refuses
            registry.create(new CreateSpec(new VolumeName("d"), "d", 128 << 20, 0, FromRef.BLANK, Map.of()));
            long epoch = registry.ownership().grant(new VolumeName("d"), new NodeId("n"), false, null).owner().epoch();
            try (AttachedVolume v = AttachedVolume.attach(registry, new PackCache(viaProxy, 1 << 20, Duration.ofSeconds(1)),
                    new VolumeName("d"), epoch, tmp.resolve("small/cache"), MANUAL, clock.timing())) {
                proxy.mode(FaultyProxy.Mode.ERROR_503);
                VolumeException.Unavailable full = null;
                for (int i = 0; i < 16 && full == null; i++) { // 64 MiB into a 32 MiB disk
                    try {
                        v.write((long) i * chunk, ByteBuffer.wrap(big(i, chunk)));
                        v.flush();
                        acknowledged = i + 1;
                    } catch (VolumeException.Unavailable e) {
                        full = e;
                    }
                }
                assertNotNull(full, "64 MiB of unuploadable data cannot fit a 32 MiB disk");
                assertTrue(full.getMessage().contains("local disk is full"), full.getMessage());
                assertTrue(acknowledged > 0);
                for (int j = 0; j < acknowledged; j++)
                    assertArrayEquals(big(j, chunk), readAt(v, (long) j * chunk, chunk), "acknowledged chunk " + j);
                proxy.mode(FaultyProxy.Mode.PASS);
                clock.realWaits(true); // now the uploader makes room in real time
                for (int i = acknowledged; i < 16; i++) {
                    v.write((long) i * chunk, ByteBuffer.wrap(big(i, chunk)));
                    v.flush();
                }
                v.drain();
            }
            registry.ownership().revoke(new VolumeName("d"), null);
        }
        try (S3ObjectStore store = S3ObjectStore.open(direct)) {
            Registry registry = new Registry(store, Clock.systemUTC());
            long epoch = registry.ownership().grant(new VolumeName("d"), new NodeId("m"), false, null).owner().epoch();
            try (AttachedVolume v = AttachedVolume.attach(registry, new PackCache(store, 1 << 20), new VolumeName("d"), epoch,
                    tmp.resolve("elsewhere"), MANUAL, Clock.systemUTC())) {
                for (int j = 0; j < 16; j++) assertArrayEquals(big(j, chunk), readAt(v, (long) j * chunk, chunk), "chunk " + j);
            }
        }
    }

    static byte[] big(long seed, int n) {
        byte[] b = new byte[n];
        new Random(1000 + seed).nextBytes(b);
        return b;
    }

    static byte[] readAt(AttachedVolume v, long offset, int n) {
        ByteBuffer b = ByteBuffer.allocate(n);
        v.read(offset, b);
        return b.array();
    }
}
