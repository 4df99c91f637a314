package dev.strata.volume;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.store.FileObjectStore;
import dev.strata.store.ObjectStore;
import dev.strata.store.S3Config;
import dev.strata.store.S3ObjectStore;
import dev.strata.testing.FaultyProxy;
import dev.strata.testing.S3Server;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A holder acknowledges a write only while it owns the volume: a revocation stops it within
 * the lease, not at its next commit (which may be an RPO away); a holder cut off from the
 * bucket stops when its lease runs out and resumes when it can confirm again; a hand-over
 * uploads everything acknowledged before the next epoch is taken.
 */
class FencingTest {
    @RegisterExtension
    static final S3ProxyExtension PROXY = S3Server.extension();

    static final Duration LEASE = Duration.ofSeconds(1);
    /** Nothing is uploaded unless asked: a fence must not wait for a commit. */
    static final EngineOptions NO_UPLOADS = new EngineOptions(Duration.ofHours(1), Long.MAX_VALUE / 2, false, 2, 4);
    static final VolumeName VOL = new VolumeName("vol");
    static final int RECORD = 4096;

    @TempDir Path tmp;

    static byte[] record(long i) {
        byte[] b = new byte[RECORD];
        new java.util.Random(i).nextBytes(b);
        ByteBuffer.wrap(b).putLong(i);
        return b;
    }

    static AttachedVolume attach(Registry registry, ObjectStore store, String node, Path dir) {
        long epoch = registry.ownership().grant(VOL, new NodeId(node), false, null).owner().epoch();
        return AttachedVolume.attach(registry, new PackCache(store, 1 << 20), VOL, epoch, dir, NO_UPLOADS, Clock.systemUTC());
    }

    /** Writes until a write fails; returns the exception (or fails the test after {@code bound}). */
    static RuntimeException writeUntilRefused(AttachedVolume v, Duration bound) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                v.write(1 << 20, ByteBuffer.wrap(record(0)));
                v.flush();
            } catch (RuntimeException e) {
                return e;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the holder still acknowledged writes " + bound.toSeconds() + " s after losing the volume");
    }

    @Test
    void aRevokedHolderStopsAcknowledgingWithinTheLeaseWithoutACommit() throws Exception {
        try (ObjectStore store = new FileObjectStore(tmp.resolve("bucket"))) {
            Registry node = new Registry(store, Clock.systemUTC(), LEASE), controller = new Registry(store, Clock.systemUTC(), LEASE);
            node.create(new CreateSpec(VOL, "vol", 16 << 20, 0, FromRef.BLANK, Map.of()));
            try (AttachedVolume a = attach(node, store, "node-a", tmp.resolve("a"))) {
                a.write(0, ByteBuffer.wrap(record(1)));
                a.flush();
                long generation = a.committed().number();
                controller.ownership().revoke(VOL, new NodeId("node-a")); // a controller that did not ask the holder
                RuntimeException refused = writeUntilRefused(a, LEASE.multipliedBy(4));
                assertTrue(refused instanceof VolumeException.Fenced, refused.toString());
                assertEquals(generation, a.committed().number(), "the fence came from the lease, not from a commit");
                assertTrue(a.health().fenced() != null);
            }
        }
    }

    @Test
    void aHolderCutOffFromTheBucketStopsAtTheLeaseAndResumesWhenItCanConfirm() throws Exception {
        S3Config direct = S3Server.freshBucket(PROXY);
        try (FaultyProxy proxy = new FaultyProxy(PROXY.getUri());
             S3ObjectStore viaProxy = FaultsTest.viaProxy(direct, proxy)) {
            Registry registry = new Registry(viaProxy, Clock.systemUTC(), LEASE);
            registry.create(new CreateSpec(VOL, "vol", 16 << 20, 0, FromRef.BLANK, Map.of()));
            try (AttachedVolume a = attach(registry, viaProxy, "node-a", tmp.resolve("a"))) {
                a.write(0, ByteBuffer.wrap(record(1)));
                a.flush();
                proxy.mode(FaultyProxy.Mode.ERROR_503);
                RuntimeException refused = writeUntilRefused(a, LEASE.multipliedBy(4));
                assertTrue(refused instanceof VolumeException.Unavailable && refused.getMessage().contains("lease"), refused.toString());
                assertEquals(null, a.health().fenced(), "cut off is not fenced: nothing newer exists");
                proxy.mode(FaultyProxy.Mode.PASS);
                long deadline = System.nanoTime() + LEASE.multipliedBy(10).toNanos();
                boolean resumed = false;
                while (!resumed && System.nanoTime() < deadline) {
                    try {
                        a.write(RECORD, ByteBuffer.wrap(record(2)));
                        a.flush();
                        resumed = true;
                    } catch (VolumeException.Unavailable e) {
                        Thread.sleep(50);
                    }
                }
                assertTrue(resumed, "writes resume once the epoch is confirmed again");
                ByteBuffer back = ByteBuffer.allocate(RECORD);
                a.read(0, back);
                assertArrayEquals(record(1), back.array(), "what was acknowledged before is intact");
            }
        }
    }

    @Test
    void aHandOverUploadsEverythingAcknowledgedAndRefusesLaterWrites() throws Exception {
        try (ObjectStore store = new FileObjectStore(tmp.resolve("bucket"))) {
            Registry registry = new Registry(store, Clock.systemUTC(), LEASE);
            registry.create(new CreateSpec(VOL, "vol", 16 << 20, 0, FromRef.BLANK, Map.of()));
            try (AttachedVolume a = attach(registry, store, "node-a", tmp.resolve("a"))) {
                for (int i = 0; i < 64; i++) a.write((long) i * RECORD, ByteBuffer.wrap(record(i)));
                a.flush();
                a.release("moving to node-b");
                assertEquals(0, a.dirtyBlocks(), "everything acknowledged is in the bucket");
                assertThrows(VolumeException.Fenced.class, () -> a.write(0, ByteBuffer.wrap(record(99))));
                assertThrows(VolumeException.Fenced.class, a::flush);
                registry.ownership().revoke(VOL, new NodeId("node-a"));
            }
            try (AttachedVolume b = attach(registry, store, "node-b", tmp.resolve("b"))) {
                for (int i = 0; i < 64; i++) {
                    ByteBuffer back = ByteBuffer.allocate(RECORD);
                    b.read((long) i * RECORD, back);
                    assertArrayEquals(record(i), back.array(), "record " + i);
                }
                assertFalse(b.health().fenced() != null);
            }
        }
    }
}
