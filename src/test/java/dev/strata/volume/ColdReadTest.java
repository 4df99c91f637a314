package dev.strata.volume;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.store.FileObjectStore;
import dev.strata.testing.RecordingStore;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads of a fork whose blocks are all in the bucket: concurrent misses share a GET, a
 * reader waiting on the bucket holds up no other, sequential reads fetch ahead in few large
 * GETs, random ones fetch what they read, and the GETs in flight per volume are bounded.
 */
class ColdReadTest {
    static final int BLOCK = Manifest.DEFAULT_BLOCK_SIZE;
    static final EngineOptions PACKS_OF_8 = new EngineOptions(Duration.ofHours(1), Long.MAX_VALUE / 2, false, 2, 8);

    @TempDir Path tmp;
    RecordingStore store;
    Registry registry;
    byte[] data;

    @BeforeEach
    void open() {
        store = new RecordingStore(new FileObjectStore(tmp.resolve("bucket")), 0);
        registry = new Registry(store, Clock.systemUTC());
        registry.registerNode(new NodeId("a"), null, 0);
    }

    @AfterEach
    void close() {
        store.release();
        store.close();
    }

    /** A source volume of {@code blocks} written blocks (plus 0..7 and 256..263 when asked), uploaded in packs of 8. */
    void source(int blocks, boolean farStripe) {
        registry.create(new CreateSpec(new VolumeName("src"), "src", 32L << 20, 0, FromRef.BLANK, Map.of()));
        long epoch = registry.ownership().grant(new VolumeName("src"), new NodeId("a"), false, null).owner().epoch();
        data = EngineTest.pattern(7, 264 * BLOCK);
        try (AttachedVolume v = AttachedVolume.attach(registry, new PackCache(store, 64L << 20), new VolumeName("src"),
                epoch, tmp.resolve("src"), PACKS_OF_8, Clock.systemUTC())) {
            v.write(0, ByteBuffer.wrap(data, 0, blocks * BLOCK));
            if (farStripe) v.write(256L * BLOCK, ByteBuffer.wrap(data, 256 * BLOCK, 8 * BLOCK));
            v.flush();
            v.drain();
        }
        registry.ownership().revoke(new VolumeName("src"), new NodeId("a"));
    }

    /** A fork of the source attached with a node cache of its own (nothing cached, no index known). */
    AttachedVolume fork(String name) {
        registry.create(new CreateSpec(new VolumeName(name), name, 0, 0, FromRef.parse("volume:src"), Map.of()));
        long epoch = registry.ownership().grant(new VolumeName(name), new NodeId("a"), false, null).owner().epoch();
        return AttachedVolume.attach(registry, new PackCache(store, 64L << 20), new VolumeName(name), epoch,
                tmp.resolve(name), PACKS_OF_8, Clock.systemUTC());
    }

    byte[] expected(long offset, int length) {
        return java.util.Arrays.copyOfRange(data, (int) offset, (int) offset + length);
    }

    long dataGets() {
        return store.gets().stream().filter(g -> g.offset() > 0).count();
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("never happened: " + what);
            Thread.sleep(5);
        }
    }

    static boolean waiting(List<Thread> threads) {
        return threads.stream().allMatch(t -> t.getState() == Thread.State.WAITING || t.getState() == Thread.State.BLOCKED);
    }

    @Test
    void concurrentMissesOfOneBlockShareOneGet() throws Exception {
        source(8, false);
        try (AttachedVolume fork = fork("f")) {
            PackCache cache = new PackCache(store, 64L << 20);
            PackCache.Location at = cache.locate(fork.pool, fork.uploader.commit().chain(), 0, 3, fork.blocksPerChunk);
            store.clear();
            store.hang(at.pack().hex());
            List<byte[]> got = java.util.Collections.synchronizedList(new ArrayList<>());
            List<Thread> readers = new ArrayList<>();
            for (int i = 0; i < 8; i++) readers.add(Thread.ofPlatform().start(() -> got.add(cache.read(fork.pool, at, fork.blocksPerChunk))));
            await("every reader waits for the bucket", () -> store.gets().size() >= 1 && waiting(readers));
            store.release();
            for (Thread t : readers) t.join();
            assertEquals(1, store.gets().size(), "8 concurrent misses of one block: one GET");
            assertEquals(8, got.size());
            for (byte[] b : got) assertArrayEquals(expected(3L * BLOCK, BLOCK), b);
        }
    }

    @Test
    void aReaderWaitingOnAHungPackHoldsUpNoReaderOfAnotherPack() throws Exception {
        source(8, true);
        try (AttachedVolume fork = fork("f")) {
            String hung = fork.packs.locate(fork.pool, fork.uploader.commit().chain(), 0, 0, fork.blocksPerChunk).pack().hex();
            store.hang(hung);
            java.util.concurrent.ExecutorService readers = java.util.concurrent.Executors.newFixedThreadPool(2);
            CompletableFuture<byte[]> stuck = CompletableFuture.supplyAsync(() -> EngineTest.read(fork, 0, 4096), readers);
            await("the first reader waits on the hung pack", () -> store.gets().stream().anyMatch(g -> g.key().contains(hung)));
            // block 256 shares block 0's stripe of the volume, and lives in another pack
            byte[] other = CompletableFuture.supplyAsync(() -> EngineTest.read(fork, 256L * BLOCK, 4096), readers)
                    .get(20, TimeUnit.SECONDS);
            assertArrayEquals(expected(256L * BLOCK, 4096), other);
            store.release();
            assertArrayEquals(expected(0, 4096), stuck.get(20, TimeUnit.SECONDS));
            readers.shutdown();
        }
    }

    @Test
    void aBlockOfAChunksOldestPackWaitsForOneRoundOfIndexGetsNotOnePerPack() throws Exception {
        source(64, false); // one chunk, 8 packs of 8 blocks: block 0 is in the oldest, found last newest first
        try (AttachedVolume fork = fork("f")) {
            store.clear();
            store.hang("/packs/"); // every pack GET waits: those asked before one returns are the ones asked at once
            CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
                ByteBuffer b = ByteBuffer.allocate(4096);
                fork.read(0, b);
                return b.array();
            });
            await("the 8 packs' indexes asked for together, before any of them answered",
                    () -> store.gets().stream().filter(g -> g.offset() == 0).map(RecordingStore.Get::key).distinct().count() == 8);
            store.release();
            assertArrayEquals(expected(0, 4096), read.get(20, TimeUnit.SECONDS));
            assertEquals(8, store.gets().stream().filter(g -> g.offset() == 0).count(), "each index fetched once");
        }
    }

    @Test
    void aRandomReadFetchesItsBlockNotTheRestOfThePack() {
        source(8, false);
        try (AttachedVolume fork = fork("f")) {
            store.clear();
            assertArrayEquals(expected(3L * BLOCK + 100, 4096), EngineTest.read(fork, 3L * BLOCK + 100, 4096));
            List<RecordingStore.Get> data = store.gets().stream().filter(g -> g.offset() > 0).toList();
            assertEquals(1, data.size(), "one GET for the block: " + store.gets());
            assertTrue(data.getFirst().length() <= BLOCK + BLOCK / 8 + 64, "fetched " + data.getFirst().length() + " bytes for one block");
        }
    }

    @Test
    void sequentialReadsFetchTheNextPackBeforeTheReaderGetsThere() throws Exception {
        source(64, false);
        try (AttachedVolume fork = fork("f")) {
            String first = fork.packs.locate(fork.pool, fork.uploader.commit().chain(), 0, 0, fork.blocksPerChunk).pack().hex();
            store.clear();
            for (long off = 0; off < 8L * BLOCK; off += 2 * BLOCK)
                assertArrayEquals(expected(off, 2 * BLOCK), EngineTest.read(fork, off, 2 * BLOCK));
            await("a GET of the next pack's blocks, before any read of them",
                    () -> store.gets().stream().anyMatch(g -> !g.key().contains(first) && g.offset() > 0));
        }
    }

    @Test
    void sequentialReadsIssueFewerLargerGetsThanBlockByBlock() {
        source(64, false);
        long sequential, scattered;
        try (AttachedVolume fork = fork("seq")) {
            store.clear();
            for (long off = 0; off < 64L * BLOCK; off += 2 * BLOCK)
                assertArrayEquals(expected(off, 2 * BLOCK), EngineTest.read(fork, off, 2 * BLOCK));
            sequential = dataGets();
        }
        try (AttachedVolume fork = fork("scattered")) {
            store.clear();
            for (int i = 0; i < 64; i++) {
                long block = (i * 37L) % 64; // every block once, never two in a row
                assertArrayEquals(expected(block * BLOCK, 4096), EngineTest.read(fork, block * BLOCK, 4096));
            }
            scattered = dataGets();
        }
        assertTrue(sequential * 4 <= scattered, "sequential reads took " + sequential + " GETs, scattered " + scattered);
    }

    @Test
    void theGetsInFlightPerVolumeAreBounded() throws Exception {
        source(80, false);
        try (AttachedVolume fork = fork("f")) {
            for (int b = 0; b < 80; b += 8) fork.packs.locate(fork.pool, fork.uploader.commit().chain(), 0, b, fork.blocksPerChunk);
            store.clear();
            store.hang("/packs/");
            int readers = ReadAhead.MAX_GETS + 8;
            List<Thread> threads = new ArrayList<>();
            byte[][] got = new byte[readers][];
            for (int i = 0; i < readers; i++) {
                int reader = i;
                long block = 2L * i; // never two in a row: no readahead
                threads.add(Thread.ofPlatform().start(() -> got[reader] = EngineTest.read(fork, block * BLOCK, 4096)));
            }
            await("the bound reached and every reader waiting", () -> store.gets().size() >= ReadAhead.MAX_GETS && waiting(threads));
            assertEquals(ReadAhead.MAX_GETS, store.gets().size(), "GETs in flight while the bucket hangs");
            store.release();
            for (Thread t : threads) t.join();
            assertEquals(readers, store.gets().size());
            for (int i = 0; i < readers; i++) assertArrayEquals(expected(2L * i * BLOCK, 4096), got[i]);
        }
    }
}
