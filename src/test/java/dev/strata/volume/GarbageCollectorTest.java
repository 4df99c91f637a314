package dev.strata.volume;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.store.FileObjectStore;
import dev.strata.store.ObjectStore;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GarbageCollectorTest {
    static final Duration GRACE = Duration.ofHours(1);
    static final EngineOptions MANUAL = new EngineOptions(Duration.ofHours(1), Long.MAX_VALUE / 2, false, 2, 4);

    /** A clock the test moves. */
    static final class TestClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override public java.time.ZoneId getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(java.time.ZoneId zone) { return this; }
        @Override public Instant instant() { return now; }
        void advance(Duration d) { now = now.plus(d); }
    }

    @TempDir Path tmp;
    ObjectStore store;
    Registry registry;
    TestClock clock = new TestClock();
    GarbageCollector gc;
    int caches;

    @BeforeEach
    void open() {
        store = new FileObjectStore(tmp.resolve("bucket"));
        registry = new Registry(store, clock);
        gc = new GarbageCollector(registry, clock, GRACE);
    }

    @AfterEach
    void close() {
        store.close();
    }

    AttachedVolume attach(String name) {
        long epoch = registry.ownership().grant(new VolumeName(name), new NodeId("n"), false, null).owner().epoch();
        return AttachedVolume.attach(registry, new PackCache(store, 1 << 20), new VolumeName(name), epoch,
                tmp.resolve("cache-" + caches++), MANUAL, Clock.systemUTC());
    }

    void detach(String name) {
        registry.ownership().revoke(new VolumeName(name), null);
    }

    static byte[] data(long seed) {
        byte[] b = new byte[65536];
        new Random(seed).nextBytes(b);
        return b;
    }

    void write(String name, long block, long seed) {
        try (AttachedVolume v = attach(name)) {
            v.write(block * 65536, ByteBuffer.wrap(data(seed)));
            v.drain();
        }
        detach(name);
    }

    byte[] read(String name, long block) {
        try (AttachedVolume v = attach(name)) {
            ByteBuffer b = ByteBuffer.allocate(65536);
            v.read(block * 65536, b);
            return b.array();
        } finally {
            detach(name);
        }
    }

    int packs() {
        return (int) store.list(Layout.POOLS, null, 10_000).objects().stream().filter(o -> o.key().contains("/packs/")).count();
    }

    @Test
    void freesWhatNothingReferencesOnlyAfterTheGrace() {
        registry.create(new CreateSpec(new VolumeName("a"), "a", 16 << 20, 0, FromRef.BLANK, Map.of()));
        write("a", 0, 1);
        write("a", 1, 2);
        registry.create(new CreateSpec(new VolumeName("keep"), "keep", 16 << 20, 0, FromRef.BLANK, Map.of()));
        write("keep", 0, 3);
        int before = packs();
        assertEquals(3, before);
        registry.delete(new VolumeName("a"));
        GarbageCollector.Report first = gc.run(s -> { });
        assertEquals(0, first.deleted(), "nothing is deleted before the grace");
        assertEquals(before, packs());
        clock.advance(GRACE.plusSeconds(1));
        GarbageCollector.Report second = gc.run(s -> { });
        assertEquals(1, packs(), "only the live volume's pack is left");
        assertTrue(second.deleted() >= 2);
        assertArrayEquals(data(3), read("keep", 0));
    }

    @Test
    void snapshotsImagesAndForksKeepTheirDataAfterTheSourceIsDeleted() {
        registry.create(new CreateSpec(new VolumeName("src"), "src", 16 << 20, 0, FromRef.BLANK, Map.of()));
        write("src", 0, 10);
        SnapshotRecord snap = registry.snapshots().create(new VolumeName("src"), null);
        write("src", 1, 11);
        registry.create(new CreateSpec(new VolumeName("fork"), "fork", 0, 0, FromRef.parse("volume:src"), Map.of()));
        write("src", 2, 12);
        registry.images().bless(new ImageName("img"), FromRef.parse("volume:src"));
        registry.delete(new VolumeName("src"));
        for (int i = 0; i < 3; i++) {
            gc.run(s -> { });
            clock.advance(GRACE.plusSeconds(1));
        }
        registry.create(new CreateSpec(new VolumeName("from-snap"), "fs", 0, 0, FromRef.parse("snapshot:" + snap.id()), Map.of()));
        assertArrayEquals(data(10), read("from-snap", 0));
        assertArrayEquals(new byte[65536], read("from-snap", 1));
        assertArrayEquals(data(11), read("fork", 1));
        registry.create(new CreateSpec(new VolumeName("from-img"), "fi", 0, 0, FromRef.parse("image:img"), Map.of()));
        assertArrayEquals(data(12), read("from-img", 2));
    }

    @Test
    void forksCommitsAndGcInterleavedNeverLoseData() {
        Random random = new Random(7);
        registry.create(new CreateSpec(new VolumeName("base"), "base", 16 << 20, 0, FromRef.BLANK, Map.of()));
        Map<String, Map<Long, Long>> expected = new java.util.HashMap<>();
        expected.put("base", new java.util.HashMap<>());
        List<String> volumes = new ArrayList<>(List.of("base"));
        for (int step = 0; step < 40; step++) {
            switch (random.nextInt(4)) {
                case 0 -> {
                    String src = volumes.get(random.nextInt(volumes.size()));
                    String fork = "f" + step;
                    registry.create(new CreateSpec(new VolumeName(fork), fork, 0, 0, FromRef.parse("volume:" + src), Map.of()));
                    expected.put(fork, new java.util.HashMap<>(expected.get(src)));
                    volumes.add(fork);
                }
                case 1, 2 -> {
                    String v = volumes.get(random.nextInt(volumes.size()));
                    long block = random.nextInt(8), seed = random.nextLong();
                    write(v, block, seed);
                    expected.get(v).put(block, seed);
                }
                default -> {
                    if (volumes.size() > 2 && random.nextBoolean()) {
                        String gone = volumes.remove(random.nextInt(volumes.size()));
                        registry.delete(new VolumeName(gone));
                        expected.remove(gone);
                    }
                    gc.run(s -> { });
                    clock.advance(Duration.ofMinutes(random.nextInt(90)));
                }
            }
        }
        clock.advance(GRACE.multipliedBy(2));
        gc.run(s -> { });
        clock.advance(GRACE.multipliedBy(2));
        gc.run(s -> { });
        for (String v : volumes)
            for (long b = 0; b < 8; b++) {
                Long seed = expected.get(v).get(b);
                assertArrayEquals(seed == null ? new byte[65536] : data(seed), read(v, b), v + " block " + b);
            }
    }
}
