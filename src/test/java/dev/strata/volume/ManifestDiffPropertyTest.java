package dev.strata.volume;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.store.FileObjectStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * GetMetadataDelta's core, over random histories of writes, zeroing, snapshots and forks on
 * the real engine and a real file-backed bucket: the delta's blocks read from B and laid over
 * A's content give B's content; paging by starting offset gives the same blocks as one call;
 * the allocated blocks are exactly the blocks that hold data.
 */
class ManifestDiffPropertyTest {
    static final EngineOptions MANUAL = new EngineOptions(java.time.Duration.ofHours(1), Long.MAX_VALUE / 2, false, 2, 3);
    static final int BLOCK = Manifest.DEFAULT_BLOCK_SIZE, BPC = Manifest.DEFAULT_CHUNK_SIZE / BLOCK, CHUNKS = 3;

    /** One step: 0 write, 1 zero, 2 snapshot, 3 fork the newest snapshot and go on writing the fork. */
    record Op(int kind, long block, long seed) {}

    @Provide
    Arbitrary<List<Op>> histories() {
        Arbitrary<Long> blocks = Combinators.combine(Arbitraries.integers().between(0, CHUNKS - 1), Arbitraries.integers().between(0, 11))
                .as((chunk, b) -> (long) chunk * BPC + b);
        Arbitrary<Op> op = Combinators.combine(Arbitraries.integers().between(0, 9), blocks, Arbitraries.longs())
                .as((k, b, s) -> new Op(k < 6 ? 0 : k < 7 ? 1 : k < 9 ? 2 : 3, b, s));
        return op.list().ofMinSize(1).ofMaxSize(30);
    }

    @Property(tries = 25)
    void deltaBlocksFromBOverAReproduceB(@ForAll("histories") List<Op> history) throws IOException {
        Path dir = Files.createTempDirectory("strata-diff");
        try (FileObjectStore store = new FileObjectStore(dir.resolve("bucket"))) {
            new Run(store, dir).check(history);
        } finally {
            EngineTestSupport.deleteTree(dir);
        }
    }

    static final class Run {
        final Registry registry;
        final PackCache packs;
        final ManifestDiff diff;
        final Path dir;
        final List<SnapshotRecord> snapshots = new ArrayList<>();
        final Set<Long> touched = new TreeSet<>();
        int volumes;

        Run(FileObjectStore store, Path dir) {
            this.registry = new Registry(store, Clock.systemUTC());
            this.packs = new PackCache(store, 64L << 20);
            this.diff = new ManifestDiff(registry, new PackCache(store, 0));
            this.dir = dir;
            registry.registerNode(new NodeId("a"), null, 0);
        }

        AttachedVolume attach(String name) {
            long epoch = registry.ownership().grant(new VolumeName(name), new NodeId("a"), false, null).owner().epoch();
            return AttachedVolume.attach(registry, packs, new VolumeName(name), epoch, dir.resolve("cache-" + name), MANUAL, Clock.systemUTC());
        }

        void check(List<Op> history) {
            registry.create(new CreateSpec(new VolumeName("v0"), "v0", (long) CHUNKS * BPC * BLOCK, 0, FromRef.BLANK, Map.of()));
            List<AttachedVolume> open = new ArrayList<>();
            AttachedVolume v = attach("v0");
            open.add(v);
            try {
                for (Op op : history) {
                    switch (op.kind) {
                        case 0 -> v.write(op.block * BLOCK, ByteBuffer.wrap(EngineTest.pattern(op.seed, BLOCK)));
                        case 1 -> v.writeZeroes(op.block * BLOCK, BLOCK);
                        case 2 -> snapshots.add(v.snapshot(null));
                        default -> {
                            if (snapshots.isEmpty()) continue;
                            String name = "v" + ++volumes;
                            registry.create(new CreateSpec(new VolumeName(name), name, 0, 0,
                                    FromRef.parse("snapshot:" + snapshots.getLast().id()), Map.of()));
                            v = attach(name);
                            open.add(v);
                        }
                    }
                    if (op.kind < 2) touched.add(op.block);
                }
                snapshots.add(v.snapshot(null));
                if (snapshots.size() == 1) snapshots.addFirst(registry.snapshots().create(new VolumeName("v0"), null));
                compareAllPairs();
            } finally {
                for (AttachedVolume a : open) a.close();
            }
        }

        void compareAllPairs() {
            for (SnapshotRecord a : snapshots) {
                for (SnapshotRecord b : snapshots) {
                    SnapshotId ia = SnapshotId.parse(a.id()), ib = SnapshotId.parse(b.id());
                    ManifestDiff.Blocks delta = diff.delta(ia, ib, 0);
                    assertEquals(BLOCK, delta.blockSize());
                    assertEquals(b.sizeBytes(), delta.capacityBytes());
                    Set<Long> changed = new TreeSet<>();
                    for (long block : delta.blocks()) changed.add(block);
                    assertEquals(delta.blocks().length, changed.size(), "each block once, ascending");
                    assertTrue(Arrays.equals(delta.blocks(), changed.stream().mapToLong(Long::longValue).toArray()));
                    Set<Long> all = new TreeSet<>(touched);
                    all.addAll(changed);
                    for (long block : all) {
                        byte[] applied = changed.contains(block) ? read(b, block) : read(a, block);
                        assertArrayEquals(read(b, block), applied, "block " + block + " of " + b.id() + " over " + a.id());
                    }
                    pagesAgree(ia, ib, delta.blocks());
                }
                allocatedIsWhatHoldsData(a);
            }
        }

        void pagesAgree(SnapshotId a, SnapshotId b, long[] whole) {
            for (long from : new long[] {1, BPC, BPC + 5, (long) (CHUNKS - 1) * BPC + 3}) {
                long[] expected = Arrays.stream(whole).filter(x -> x >= from).toArray();
                assertArrayEquals(expected, diff.delta(a, b, from * BLOCK + (from % 2 == 0 ? 0 : 100)).blocks(),
                        "paging from block " + from);
            }
            long capacity = registry.snapshots().resolve(b).sizeBytes();
            assertEquals(0, diff.delta(a, b, capacity).blocks().length, "at the end: nothing");
            assertThrows(VolumeException.OutOfRange.class, () -> diff.delta(a, b, capacity + 1));
            assertThrows(VolumeException.OutOfRange.class, () -> diff.delta(a, b, -1));
        }

        void allocatedIsWhatHoldsData(SnapshotRecord s) {
            long[] allocated = diff.allocated(SnapshotId.parse(s.id()), 0).blocks();
            long[] expected = touched.stream().filter(b -> !Arrays.equals(read(s, b), new byte[BLOCK])).mapToLong(Long::longValue).toArray();
            assertArrayEquals(expected, allocated, "allocated blocks of " + s.id());
        }

        byte[] read(SnapshotRecord s, long block) {
            Manifest top = registry.bucket().readManifest(Layout.inPool(s.poolId(), s.manifest()));
            List<Manifest> chain = registry.chain(s.poolId(), top);
            PackCache.Location at = packs.locate(s.poolId(), chain, (int) (block / BPC), (int) (block % BPC), BPC);
            byte[] data = at == null ? PackCache.ZERO : packs.read(s.poolId(), at, BPC);
            return data.length == 0 ? new byte[BLOCK] : data;
        }
    }
}
