package dev.strata.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.store.FileObjectStore;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Volume group snapshots on the real engine: a writer appends numbered records to two
 * volumes in turn (record i to A, acknowledged, then record i to B), group snapshots are taken
 * while it writes, and every group must show a point in time: each member a prefix of its
 * records, and B's never ahead of A's nor A's more than one ahead of B's.
 */
class GroupCutTest {
    static final int RECORD = 512, RECORDS = 40_000;
    static final EngineOptions MANUAL = new EngineOptions(Duration.ofHours(1), Long.MAX_VALUE / 2, false, 2, 64);
    @TempDir Path tmp;
    FileObjectStore store;
    Registry registry;
    PackCache packs;
    final Map<VolumeName, AttachedVolume> held = new java.util.concurrent.ConcurrentHashMap<>();

    @BeforeEach
    void open() {
        store = new FileObjectStore(tmp.resolve("bucket"));
        registry = new Registry(store, Clock.systemUTC());
        packs = new PackCache(store, 64L << 20);
        registry.registerNode(new NodeId("a"), null, 0);
    }

    @AfterEach
    void close() {
        held.values().forEach(AttachedVolume::close);
        store.close();
    }

    AttachedVolume attach(String name) {
        VolumeName v = new VolumeName(name);
        registry.create(new CreateSpec(v, name, (long) RECORDS * RECORD, 0, FromRef.BLANK, Map.of()));
        long epoch = registry.ownership().grant(v, new NodeId("a"), false, null).owner().epoch();
        AttachedVolume a = AttachedVolume.attach(registry, packs, v, epoch, tmp.resolve("cache-" + name), MANUAL, Clock.systemUTC());
        held.put(v, a);
        return a;
    }

    /**
     * Holders in this process; volume gb's answers the cut 30 ms late, as a member on a slower
     * node would — so its point would trail A's by many records were it not latched.
     */
    final GroupCut.Holder local = new GroupCut.Holder() {
        public void prepare(VolumeName v, GroupSnapshotId g, Duration max) { volume(v).groupLatch().prepare(g, max); }
        public void latch(VolumeName v, GroupSnapshotId g, Duration max) { volume(v).groupLatch().latch(g, max); }
        public String cut(VolumeName v, GroupSnapshotId g) {
            if (v.value().equals("gb")) {
                try {
                    Thread.sleep(30);
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
            return volume(v).groupLatch().cut(g);
        }
        public void release(VolumeName v, GroupSnapshotId g) { volume(v).groupLatch().release(g); }

        AttachedVolume volume(VolumeName v) {
            AttachedVolume a = held.get(v);
            if (a == null) throw new VolumeException.NotFound("not held: " + v);
            return a;
        }
    };

    static void record(AttachedVolume v, long i) {
        v.write(i * RECORD, ByteBuffer.allocate(8).putLong(0, i + 1));
    }

    /** How many records the snapshot holds; fails unless they are exactly records 0..n-1. */
    long prefix(String snapshotId) {
        SnapshotRecord s = registry.snapshots().resolve(SnapshotId.parse(snapshotId));
        List<Manifest> chain = registry.chain(s.poolId(), registry.bucket().readManifest(Layout.inPool(s.poolId(), s.manifest())));
        int bpc = chain.getFirst().chunkSize() / chain.getFirst().blockSize(), block = chain.getFirst().blockSize();
        long n = -1;
        for (long b = 0; b < (long) RECORDS * RECORD / block; b++) {
            PackCache.Location at = packs.locate(s.poolId(), chain, (int) (b / bpc), (int) (b % bpc), bpc);
            ByteBuffer data = ByteBuffer.wrap(at == null ? new byte[block] : packs.read(s.poolId(), at, bpc));
            for (int r = 0; r < block / RECORD; r++) {
                long i = b * (block / RECORD) + r;
                long value = data.capacity() == 0 ? 0 : data.getLong(r * RECORD);
                if (value == i + 1 && n < 0) continue;
                if (value == 0 && n < 0) n = i;
                else if (value != 0) throw new AssertionError(snapshotId + " holds record " + i + " after a gap at " + n);
            }
        }
        return n < 0 ? RECORDS : n;
    }

    @Test
    void groupSnapshotsTakenWhileWritingAreCrashConsistentAcrossVolumes() throws Exception {
        AttachedVolume a = attach("ga"), b = attach("gb");
        AtomicLong acked = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        // The writer may run a stretch of records ahead of each group, no further: on a fast
        // machine it would otherwise finish all its records before the groups were taken.
        Semaphore stretch = new Semaphore(0);
        int groupsToTake = 12, perGroup = RECORDS / (groupsToTake + 1);
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            for (long i = 0; i < RECORDS && !stop.get(); i++) {
                stretch.acquireUninterruptibly();
                record(a, i);
                record(b, i);
                acked.set(i + 1);
            }
        });
        List<GroupSnapshotRecord> groups = new ArrayList<>();
        GroupCut cut = new GroupCut(registry, r -> local);
        try {
            for (int g = 0; g < groupsToTake; g++) {
                stretch.release(perGroup);
                Thread.sleep(5);
                groups.add(registry.groups().create("group-" + g, List.of(new VolumeName("ga"), new VolumeName("gb")), cut));
            }
        } finally {
            stop.set(true);
            stretch.release(RECORDS);
            writer.get(60, TimeUnit.SECONDS);
        }
        assertTrue(groups.size() >= 3, "groups were taken while the writer ran: " + groups.size());
        long previous = 0;
        for (GroupSnapshotRecord g : groups) {
            long inA = prefix(g.snapshots().get(0)), inB = prefix(g.snapshots().get(1));
            assertTrue(inB <= inA && inA <= inB + 1, g.id() + ": A holds " + inA + " records, B " + inB
                    + " — not one point in time across the volumes");
            assertTrue(inA >= previous, "later groups hold later points");
            previous = inA;
        }
        assertTrue(previous > 0 && previous <= acked.get());
    }

    @Test
    void theLatchHoldsWritesUntilTheCutAndLapsesByItself() throws Exception {
        AttachedVolume a = attach("la");
        GroupSnapshotId g = GroupSnapshotId.forCsiName("latch-test");
        a.groupLatch().latch(g, Duration.ofSeconds(30));
        CompletableFuture<Void> w = CompletableFuture.runAsync(() -> record(a, 7));
        Thread.sleep(200);
        assertFalse(w.isDone(), "a write is not acknowledged while the volume is latched");
        String key = a.groupLatch().cut(g);
        w.get(30, TimeUnit.SECONDS);
        Manifest cutManifest = registry.bucket().readManifest(Layout.inPool(registry.resolve(new VolumeName("la")).poolId(), key));
        assertTrue(cutManifest.chunks().isEmpty(), "the write held at the latch is after the point in time");

        GroupSnapshotId lapsing = GroupSnapshotId.forCsiName("lapse-test");
        a.groupLatch().latch(lapsing, Duration.ofMillis(300));
        record(a, 8); // waits for the lapse, then goes through
        assertThrows(VolumeException.Aborted.class, () -> a.groupLatch().cut(lapsing), "a lapsed latch is no point in time");
        a.groupLatch().latch(g, Duration.ofSeconds(30));
        assertThrows(VolumeException.Aborted.class, () -> a.groupLatch().latch(lapsing, Duration.ofSeconds(1)), "one group at a time");
        a.groupLatch().release(g);
        record(a, 9);
        ByteBuffer back = ByteBuffer.allocate(8);
        a.read(9L * RECORD, back);
        assertEquals(10, back.getLong(0), "the write after the release landed");
    }
}
