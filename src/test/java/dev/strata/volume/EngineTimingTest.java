package dev.strata.volume;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.store.FileObjectStore;
import dev.strata.store.StoreException;
import dev.strata.testing.DrivenClock;
import dev.strata.testing.FailingStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's time comes from its injected clock and sleeper: RPO, bucket-outage and
 * full-disk behaviour, driven by a test clock whose waits pass at once. Each test fails if
 * the policy is ignored (a hard-wired sleep leaves the driven clock unmoved; a hard-wired
 * bound or backoff shows in the waits).
 */
class EngineTimingTest {
    static final VolumeName NAME = new VolumeName("t");

    @TempDir Path tmp;
    DrivenClock clock;
    FailingStore store;
    Registry registry;

    @BeforeEach
    void open() {
        clock = new DrivenClock();
        store = new FailingStore(new FileObjectStore(tmp.resolve("bucket")));
        registry = new Registry(store, clock.timing(), Ownership.DEFAULT_LEASE);
        registry.create(new CreateSpec(NAME, "t", 16 << 20, 0, FromRef.BLANK, Map.of()));
    }

    @AfterEach
    void close() {
        store.close();
    }

    AttachedVolume attach(String dir, Duration rpo, PackCache packs) {
        long epoch = registry.ownership().grant(NAME, new NodeId(dir), false, null).owner().epoch();
        EngineOptions options = new EngineOptions(rpo, Long.MAX_VALUE / 2, false, 2, 8);
        return AttachedVolume.attach(registry, packs, NAME, epoch, tmp.resolve(dir), options, clock.timing());
    }

    static ByteBuffer block(int fill) {
        byte[] b = new byte[65536];
        java.util.Arrays.fill(b, (byte) fill);
        return ByteBuffer.wrap(b);
    }

    @Test
    void aWriteIsUploadedOnceItIsAsOldAsTheRpoOnTheEnginesClock() {
        try (AttachedVolume v = attach("a", Duration.ofSeconds(10), new PackCache(store, 1 << 20))) {
            v.write(0, block(1));
            v.uploader.tick();
            assertEquals(1, v.dirtyBlocks(), "younger than the RPO: stays local");
            clock.advance(Duration.ofMillis(9_999));
            v.uploader.tick();
            assertEquals(1, v.dirtyBlocks(), "still 1 ms younger than the RPO");
            clock.advance(Duration.ofMillis(1));
            v.uploader.tick();
            assertEquals(0, v.dirtyBlocks(), "as old as the RPO: uploaded");
        }
    }

    @Test
    void aFailedUploadIsRetriedOnTheBackoffAndSucceedsOnceTheBucketIsBack() {
        try (AttachedVolume v = attach("a", Duration.ofMillis(1), new PackCache(store, 1 << 20))) {
            store.fail(k -> k.contains("/packs/"), k -> new StoreException.Unavailable("outage", null));
            v.write(0, block(1));
            clock.advance(Duration.ofMillis(1));
            v.uploader.tick();
            assertEquals(1, store.failed(), "the first cycle met the outage");
            assertNotNull(v.health().storeError());
            int expected = 1;
            for (long wait : new long[] {100, 200, 400, 800}) {
                clock.advance(Duration.ofMillis(wait - 1));
                v.uploader.tick();
                assertEquals(expected, store.failed(), "no retry before " + wait + " ms");
                clock.advance(Duration.ofMillis(1));
                v.uploader.tick();
                assertEquals(++expected, store.failed(), "retried after " + wait + " ms");
            }
            store.heal();
            clock.advance(Duration.ofMillis(1600));
            v.uploader.tick();
            assertEquals(0, v.dirtyBlocks());
            assertNull(v.health().storeError(), "healthy again");
        }
    }

    @Test
    void aHandOverDuringAnOutageGivesUpAtItsBoundWithoutWaitingOnTheWallClock() {
        try (AttachedVolume v = attach("a", Duration.ofHours(1), new PackCache(store, 1 << 20))) {
            v.write(0, block(1));
            store.fail(k -> k.contains("/packs/"), k -> new StoreException.Unavailable("outage", null));
            Duration before = clock.slept();
            assertThrows(VolumeException.Unavailable.class, () -> v.release("moving"));
            Duration slept = clock.slept().minus(before);
            assertTrue(slept.compareTo(Timing.HAND_OVER_BOUND.minusSeconds(5)) >= 0
                    && slept.compareTo(Timing.HAND_OVER_BOUND) <= 0, "waited " + slept + " within the hand-over bound");
            store.heal();
            v.release("moving");
            assertEquals(0, v.dirtyBlocks(), "the repeated hand-over uploaded everything");
        }
    }

    @Test
    void aReadOfABlockOnlyTheBucketHasRidesOutAnOutageUpToItsBound() {
        try (AttachedVolume v = attach("a", Duration.ofHours(1), new PackCache(store, 1 << 20))) {
            v.write(0, block(7));
            v.drain();
        }
        registry.ownership().revoke(NAME, null);
        PackCache cold = new PackCache(store, 0, clock.timing().bucketRead());
        try (AttachedVolume v = attach("b", Duration.ofHours(1), cold)) {
            store.fail(k -> k.contains("/packs/"), k -> new StoreException.Unavailable("outage", null));
            Duration before = clock.slept();
            VolumeException.Unavailable e = assertThrows(VolumeException.Unavailable.class, () -> v.read(0, ByteBuffer.allocate(65536)));
            assertTrue(e.getMessage().contains("retried for 10 s"), e.getMessage());
            Duration slept = clock.slept().minus(before);
            assertTrue(slept.compareTo(Duration.ofSeconds(8)) >= 0 && slept.compareTo(Timing.BUCKET_READ_BOUND) <= 0,
                    "waited " + slept + " within the read bound");
            AtomicInteger healAfter = new AtomicInteger(3);
            store.fail(k -> k.contains("/packs/") && healAfter.getAndDecrement() > 0, k -> new StoreException.Unavailable("blip", null));
            ByteBuffer back = ByteBuffer.allocate(65536);
            v.read(0, back);
            assertArrayEquals(block(7).array(), back.array(), "read through a short outage");
        }
    }

    @Test
    void aFullDiskIsWaitedOutForItsBoundThenFails() {
        DiskSpace space = new DiskSpace(tmp, clock.timing().diskFull());
        Duration start = clock.slept();
        AtomicInteger tries = new AtomicInteger();
        VolumeException.Unavailable full = space.failure(NAME, "write", new IOException("No space left on device"));
        assertThrows(VolumeException.Unavailable.class, () -> space.whileFull(() -> {
            tries.incrementAndGet();
            throw full;
        }));
        Duration slept = clock.slept().minus(start);
        assertTrue(slept.compareTo(Timing.DISK_FULL_BOUND.minusMillis(50)) >= 0 && slept.compareTo(Timing.DISK_FULL_BOUND) <= 0,
                "waited " + slept);
        assertEquals(slept.toMillis() / 50 + 1, tries.get(), "again every 50 ms");

        Duration before = clock.slept();
        VolumeException.Unavailable other = space.failure(NAME, "write", new IOException("Input/output error"));
        assertThrows(VolumeException.Unavailable.class, () -> space.whileFull(() -> {
            throw other;
        }));
        assertEquals(before, clock.slept(), "another failure is not waited on");
    }
}
