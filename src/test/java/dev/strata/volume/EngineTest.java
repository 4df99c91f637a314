package dev.strata.volume;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.store.FileObjectStore;
import dev.strata.store.ObjectStore;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data path on a real file-backed bucket and real local files. */
class EngineTest {
    static final long MIB = 1 << 20;
    static final EngineOptions MANUAL = new EngineOptions(Duration.ofHours(1), Long.MAX_VALUE / 2, false, 2, 8);

    @TempDir Path tmp;
    ObjectStore store;
    Registry registry;
    PackCache packs;

    @BeforeEach
    void open() {
        store = new FileObjectStore(tmp.resolve("bucket"));
        registry = new Registry(store, Clock.systemUTC());
        packs = new PackCache(store, 64 * MIB);
        registry.registerNode(new NodeId("a"), null, 0);
    }

    @AfterEach
    void close() {
        store.close();
    }

    VolumeRecord create(String name, long size, String from) {
        return registry.create(new CreateSpec(new VolumeName(name), name, size, 0, FromRef.parse(from), Map.of()));
    }

    AttachedVolume attach(String name, String node, String dir) {
        long epoch = registry.ownership().grant(new VolumeName(name), new NodeId(node), false, null).owner().epoch();
        return AttachedVolume.attach(registry, packs, new VolumeName(name), epoch, tmp.resolve(dir), MANUAL, Clock.systemUTC());
    }

    static byte[] pattern(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static byte[] read(BlockTarget t, long offset, int n) {
        ByteBuffer b = ByteBuffer.allocate(n);
        t.read(offset, b);
        return b.array();
    }

    @Test
    void writesReadBackAndSurviveUploadAndReattachElsewhere() {
        create("v", 256 * MIB, null);
        byte[] a = pattern(1, 3 * 65536 + 100), c = pattern(2, 4096);
        try (AttachedVolume v = attach("v", "a", "cache-a")) {
            v.write(70 * MIB + 5, ByteBuffer.wrap(a));
            v.write(200 * MIB, ByteBuffer.wrap(c));
            assertArrayEquals(a, read(v, 70 * MIB + 5, a.length));
            v.flush();
            v.drain();
            assertEquals(0, v.dirtyBlocks());
        }
        registry.ownership().revoke(new VolumeName("v"), new NodeId("a"));
        try (AttachedVolume elsewhere = attach("v", "b", "cache-b")) {
            assertArrayEquals(a, read(elsewhere, 70 * MIB + 5, a.length));
            assertArrayEquals(c, read(elsewhere, 200 * MIB, c.length));
            assertArrayEquals(new byte[8192], read(elsewhere, 100 * MIB, 8192), "never written reads as zeros");
        }
    }

    @Test
    void subBlockWritesToBlocksOnlyInTheBucketReadModifyWrite() {
        create("rmw", 16 * MIB, null);
        byte[] full = pattern(3, 65536);
        try (AttachedVolume v = attach("rmw", "a", "c1")) {
            v.write(0, ByteBuffer.wrap(full));
            v.drain();
        }
        registry.ownership().revoke(new VolumeName("rmw"), new NodeId("a"));
        try (AttachedVolume v = attach("rmw", "b", "c2")) {
            v.write(512, ByteBuffer.wrap(new byte[] {9, 9, 9}));
            byte[] expected = full.clone();
            expected[512] = expected[513] = expected[514] = 9;
            assertArrayEquals(expected, read(v, 0, 65536));
            v.drain();
        }
        registry.ownership().revoke(new VolumeName("rmw"), new NodeId("b"));
        try (AttachedVolume v = attach("rmw", "a", "c3")) {
            byte[] expected = full.clone();
            expected[512] = expected[513] = expected[514] = 9;
            assertArrayEquals(expected, read(v, 0, 65536));
        }
    }

    @Test
    void liveSnapshotIsThePointInTimeAndForksSeeIt() {
        create("live", 64 * MIB, null);
        byte[] before = pattern(4, 65536), after = pattern(5, 65536);
        try (AttachedVolume v = attach("live", "a", "c")) {
            v.write(MIB, ByteBuffer.wrap(before));
            SnapshotRecord snap = v.snapshot("s1");
            v.write(MIB, ByteBuffer.wrap(after));
            assertArrayEquals(after, read(v, MIB, 65536));
            create("restored", 0, "snapshot:" + snap.id());
            try (AttachedVolume r = attach("restored", "a", "r")) {
                assertArrayEquals(before, read(r, MIB, 65536));
            }
        }
    }

    @Test
    void discardAndWriteZeroesShadowTheBaseWithTombstones() {
        create("z", 16 * MIB, null);
        try (AttachedVolume v = attach("z", "a", "c")) {
            v.write(0, ByteBuffer.wrap(pattern(6, 4 * 65536)));
            v.drain();
            v.discard(65536, 65536);
            v.writeZeroes(3 * 65536 + 4096, 4096);
            v.drain();
        }
        create("zf", 0, "volume:z");
        try (AttachedVolume f = attach("zf", "a", "f")) {
            assertArrayEquals(new byte[65536], read(f, 65536, 65536));
            assertArrayEquals(new byte[4096], read(f, 3 * 65536 + 4096, 4096));
            byte[] whole = pattern(6, 4 * 65536);
            assertArrayEquals(java.util.Arrays.copyOfRange(whole, 0, 65536), read(f, 0, 65536));
        }
    }

    @Test
    void discardPunchesHolesInTheLocalCacheAndKeepsTheRest() throws Exception {
        create("h", 64 * MIB, null);
        byte[] all = pattern(11, (int) (8 * MIB));
        byte[] small = pattern(12, 4096);
        Path data = tmp.resolve("ch").resolve("data");
        try (AttachedVolume v = attach("h", "a", "ch")) {
            v.write(0, ByteBuffer.wrap(all));
            v.flush();
            assertTrue(EngineTestSupport.allocatedBytes(data) >= 8 * MIB, "written blocks occupy the disk");
            v.discard(0, 6 * MIB);
            v.writeZeroes(6 * MIB, 65536);
            v.flush();
            long left = EngineTestSupport.allocatedBytes(data);
            assertTrue(left <= 2 * MIB, "6 MiB discarded and 64 KiB zeroed leave under 2 MiB allocated, found " + left);
            assertArrayEquals(new byte[(int) (6 * MIB + 65536)], read(v, 0, (int) (6 * MIB + 65536)));
            assertArrayEquals(java.util.Arrays.copyOfRange(all, (int) (6 * MIB + 65536), (int) (8 * MIB)),
                    read(v, 6 * MIB + 65536, (int) (2 * MIB - 65536)));
            // a sub-block write into a discarded block: zeros around it, not the old bytes
            v.write(65536 + 100, ByteBuffer.wrap(small));
            byte[] expect = new byte[65536];
            System.arraycopy(small, 0, expect, 100, small.length);
            assertArrayEquals(expect, read(v, 65536, 65536));
            v.flush();
            v.drain();
        }
        registry.ownership().revoke(new VolumeName("h"), new NodeId("a"));
        try (AttachedVolume elsewhere = attach("h", "b", "cb")) {
            byte[] expect = new byte[(int) (8 * MIB)];
            System.arraycopy(all, (int) (6 * MIB + 65536), expect, (int) (6 * MIB + 65536), (int) (2 * MIB - 65536));
            System.arraycopy(small, 0, expect, 65536 + 100, small.length);
            assertArrayEquals(expect, read(elsewhere, 0, (int) (8 * MIB)));
        }
    }

    @Test
    void discardOfBlocksThatWereNeverWrittenRecordsNothing() throws Exception {
        create("base", 256 * MIB, null);
        try (AttachedVolume v = attach("base", "a", "cbase")) {
            v.write(5 * 65536, ByteBuffer.wrap(pattern(13, 65536)));
            v.drain();
        }
        create("fork", 0, "volume:base");
        try (AttachedVolume f = attach("fork", "a", "cfork")) {
            f.discard(0, 256 * MIB);
            // only chunk 0 has committed packs: its 1,024 blocks get tombstones, the other three chunks nothing
            assertEquals(Manifest.DEFAULT_CHUNK_SIZE / 65536, f.dirtyBlocks());
            assertEquals(0, EngineTestSupport.allocatedBytes(tmp.resolve("cfork").resolve("data")));
            assertArrayEquals(new byte[65536], read(f, 5 * 65536, 65536));
            f.discard(0, 256 * MIB);
            assertEquals(Manifest.DEFAULT_CHUNK_SIZE / 65536, f.dirtyBlocks(), "discarding zeroed blocks again changes nothing");
            f.drain();
        }
        registry.ownership().revoke(new VolumeName("fork"), new NodeId("a"));
        try (AttachedVolume again = attach("fork", "b", "cfork-b")) {
            assertArrayEquals(new byte[65536], read(again, 5 * 65536, 65536));
        }
        registry.ownership().revoke(new VolumeName("base"), new NodeId("a"));
        try (AttachedVolume base = attach("base", "b", "cbase-b")) {
            assertArrayEquals(pattern(13, 65536), read(base, 5 * 65536, 65536), "the base keeps its data");
        }
    }

    @Test
    void writesGoOnThroughADiskSmallerThanTheDataByEvictingWhatTheBucketHolds() throws Exception {
        try (AutoCloseable disk = EngineTestSupport.smallDisk(tmp.resolve("small.img"), tmp.resolve("small"), 48 * MIB)) {
            create("full", 256 * MIB, null);
            int chunk = (int) (8 * MIB), chunks = 20; // 160 MiB through a 48 MiB disk
            try (AttachedVolume v = attach("full", "a", "small/cache")) {
                for (int i = 0; i < chunks; i++) {
                    v.write((long) i * chunk, ByteBuffer.wrap(pattern(100 + i, chunk)));
                    v.flush();
                }
                for (int j = 0; j < chunks; j++)
                    assertArrayEquals(pattern(100 + j, chunk), read(v, (long) j * chunk, chunk), "chunk " + j);
                assertTrue(EngineTestSupport.allocatedBytes(tmp.resolve("small/cache/data")) < 48 * MIB);
                v.drain();
            }
            registry.ownership().revoke(new VolumeName("full"), new NodeId("a"));
            try (AttachedVolume elsewhere = attach("full", "b", "cache-b")) {
                for (int j = 0; j < chunks; j++)
                    assertArrayEquals(pattern(100 + j, chunk), read(elsewhere, (long) j * chunk, chunk), "chunk " + j);
            }
        }
    }

    /**
     * Regression (found by the QEMU fill run: fio read zeros back after a kill): a commit
     * succeeded, the log checkpoint after it failed (the disk was full), eviction then punched
     * out the committed blocks, and after a crash the log — which never recorded that commit —
     * declared them dirty, so they read as zeros. Eviction now trusts only commits the local
     * log records (a failed checkpoint falls back to appending one COMMIT record).
     */
    @Test
    void blocksEvictedAfterAFailedCheckpointSurviveACrash() throws Exception {
        create("ck", 64 * MIB, null);
        long epoch = registry.ownership().grant(new VolumeName("ck"), new NodeId("a"), false, null).owner().epoch();
        Path dir = tmp.resolve("ck-cache");
        byte[] data = pattern(21, (int) (16 * MIB));
        AttachedVolume v = AttachedVolume.attach(registry, packs, new VolumeName("ck"), epoch, dir, MANUAL, Clock.systemUTC());
        v.write(0, ByteBuffer.wrap(data));
        v.flush();
        // the checkpoint's temp file cannot be created (as on a full disk)
        java.nio.file.Files.createDirectory(dir.resolve("meta.log.tmp"));
        VolumeException.Unavailable failed = assertThrows(VolumeException.Unavailable.class, v::cut);
        assertTrue(failed.getMessage().contains("checkpoint"), failed.getMessage());
        assertTrue(v.evict() > 0, "the committed blocks are evicted");
        v.crash();
        try (AttachedVolume again = AttachedVolume.attach(registry, packs, new VolumeName("ck"), epoch, dir, MANUAL, Clock.systemUTC())) {
            assertArrayEquals(data, read(again, 0, data.length), "every flushed byte after the crash");
        }
    }

    @Test
    void aRevokedNodeIsFencedAndTheBucketKeepsOnlyTheWinnersData() {
        create("split", 16 * MIB, null);
        AttachedVolume loser = attach("split", "a", "a");
        loser.write(0, ByteBuffer.wrap(pattern(7, 65536)));
        loser.flush();
        registry.ownership().revoke(new VolumeName("split"), new NodeId("a"));
        try (AttachedVolume winner = attach("split", "b", "b")) {
            winner.write(0, ByteBuffer.wrap(pattern(8, 65536)));
            winner.drain();
            assertThrows(VolumeException.Fenced.class, loser::drain);
            assertThrows(VolumeException.Fenced.class, () -> loser.write(0, ByteBuffer.allocate(4096)));
            assertThrows(VolumeException.Fenced.class, loser::flush);
            assertNotNull(loser.health().fenced());
            assertNull(winner.health().fenced());
        } finally {
            loser.close();
        }
        registry.ownership().revoke(new VolumeName("split"), new NodeId("b"));
        try (AttachedVolume check = attach("split", "c", "c")) {
            assertArrayEquals(pattern(8, 65536), read(check, 0, 65536));
        }
    }

    @Test
    void aCacheFromAnOlderEpochIsDiscardedNotUploaded() {
        create("stale", 16 * MIB, null);
        try (AttachedVolume v = attach("stale", "a", "same-dir")) {
            v.write(0, ByteBuffer.wrap(pattern(9, 65536)));
            v.flush();
        }
        registry.ownership().revoke(new VolumeName("stale"), new NodeId("a"));
        try (AttachedVolume v = attach("stale", "b", "other")) {
            v.write(0, ByteBuffer.wrap(pattern(10, 65536)));
            v.drain();
        }
        registry.ownership().revoke(new VolumeName("stale"), new NodeId("b"));
        try (AttachedVolume back = attach("stale", "a", "same-dir")) {
            assertEquals(0, back.dirtyBlocks(), "the old dirty block was dropped");
            assertArrayEquals(pattern(10, 65536), read(back, 0, 65536));
        }
    }

    @Test
    void uploadsOnAgeWithoutAnyFlushOrThreshold() throws Exception {
        create("rpo", 16 * MIB, null);
        long epoch = registry.ownership().grant(new VolumeName("rpo"), new NodeId("a"), false, null).owner().epoch();
        EngineOptions quick = new EngineOptions(Duration.ofMillis(300), Long.MAX_VALUE / 2, false, 2, 8);
        try (AttachedVolume v = AttachedVolume.attach(registry, packs, new VolumeName("rpo"), epoch, tmp.resolve("rpo"),
                quick, Clock.systemUTC())) {
            v.write(0, ByteBuffer.wrap(pattern(11, 65536)));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (v.dirtyBlocks() > 0 && System.nanoTime() < deadline) Thread.sleep(50);
            assertEquals(0, v.dirtyBlocks(), "uploaded by age alone");
            assertTrue(registry.newestGeneration(registry.resolve(new VolumeName("rpo"))).manifest().chunks().containsKey(0));
        }
    }

    @Test
    void syncDurabilityCommitsOnFlush() {
        create("sync", 16 * MIB, null);
        long epoch = registry.ownership().grant(new VolumeName("sync"), new NodeId("a"), false, null).owner().epoch();
        EngineOptions sync = new EngineOptions(Duration.ofHours(1), Long.MAX_VALUE / 2, true, 2, 8);
        try (AttachedVolume v = AttachedVolume.attach(registry, packs, new VolumeName("sync"), epoch, tmp.resolve("s"),
                sync, Clock.systemUTC())) {
            v.write(65536, ByteBuffer.wrap(pattern(12, 65536)));
            v.flush();
            assertEquals(0, v.dirtyBlocks());
        }
    }

    @Test
    void ioOutsideTheVolumeIsRefused() {
        create("small", MIB, null);
        try (AttachedVolume v = attach("small", "a", "c")) {
            assertThrows(VolumeException.OutOfRange.class, () -> v.write(MIB - 10, ByteBuffer.allocate(20)));
            assertThrows(VolumeException.OutOfRange.class, () -> v.read(-1, ByteBuffer.allocate(1)));
        }
    }

    @Test
    void growsOnlineAndKeepsTheNewSizeAcrossAttaches() {
        create("grow", 4 * MIB, null);
        try (AttachedVolume v = attach("grow", "a", "g")) {
            assertThrows(VolumeException.OutOfRange.class, () -> v.write(6 * MIB, ByteBuffer.allocate(4096)));
            registry.expand(new VolumeName("grow"), 8 * MIB);
            v.grow(8 * MIB);
            assertEquals(8 * MIB, v.sizeBytes());
            v.write(6 * MIB, ByteBuffer.wrap(pattern(13, 4096)));
            v.drain();
        }
        registry.ownership().revoke(new VolumeName("grow"), new NodeId("a"));
        try (AttachedVolume v = attach("grow", "b", "g2")) {
            assertEquals(8 * MIB, v.sizeBytes());
            assertArrayEquals(pattern(13, 4096), read(v, 6 * MIB, 4096));
        }
    }

    /**
     * Regression: a commit took the log's monitor and then waited for the cut lock, while a
     * writer held the cut lock (read) and waited for the log's monitor to append — a deadlock
     * that froze a ublk queue thread in the QEMU suite. Writers and cuts run concurrently here;
     * the JVM's deadlock detector must never find a cycle, and every writer must finish.
     */
    @Test
    void concurrentWritesAndCommitsNeverDeadlock() throws Exception {
        create("busy", 64 * MIB, null);
        AttachedVolume v = attach("busy", "a", "cache-busy");
        {
            java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.AtomicLong cuts = new java.util.concurrent.atomic.AtomicLong();
            Thread cutter = Thread.ofPlatform().daemon().start(() -> {
                while (!stop.get()) {
                    v.cut();
                    cuts.incrementAndGet();
                }
            });
            java.util.List<Thread> writers = new java.util.ArrayList<>();
            for (int w = 0; w < 3; w++) {
                int seed = w;
                writers.add(Thread.ofPlatform().daemon().start(() -> {
                    Random r = new Random(seed);
                    for (int i = 0; i < 3000; i++) {
                        long offset = (long) r.nextInt(64 * 256) * 4096;
                        if (i % 7 == 0) v.writeZeroes(offset, 4096);
                        else v.write(offset, ByteBuffer.wrap(pattern(i, 4096)));
                    }
                }));
            }
            // a read-write lock has no owner the JVM's detector can see, so liveness is checked
            // against a deadline far above the ~1 s this takes (a hang, not a speed limit)
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(120);
            for (Thread t : writers) {
                while (t.isAlive()) {
                    t.join(200);
                    long[] dead = threads.findDeadlockedThreads();
                    if (dead != null || System.nanoTime() > deadline) {
                        StringBuilder dump = new StringBuilder();
                        for (java.lang.management.ThreadInfo info : threads.dumpAllThreads(true, true))
                            if (info.getThreadName().startsWith("Thread-") || info.getThreadName().contains("upload")) dump.append(info);
                        stop.set(true);
                        // not closed: closing would wait on the very locks that are stuck
                        throw new AssertionError("writers and commits stopped making progress:\n" + dump);
                    }
                }
            }
            stop.set(true);
            cutter.join();
            assertTrue(cuts.get() > 1, "commits ran while writing: " + cuts.get());
            v.drain();
            assertEquals(0, v.dirtyBlocks());
            v.close();
        }
    }
}
