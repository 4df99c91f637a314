package dev.strata.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.store.ObjectKey;
import dev.strata.store.ObjectStore;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The registry's behaviour, run against each real object store. */
abstract class RegistryContract {
    static final long GIB = Sizes.GiB;

    abstract ObjectStore newStore();

    private ObjectStore store;
    Registry registry;

    ObjectStore store() {
        return store;
    }

    @BeforeEach
    void openRegistry() {
        store = newStore();
        registry = new Registry(store, Clock.systemUTC());
    }

    @org.junit.jupiter.api.AfterEach
    void closeStore() {
        store.close();
    }

    static CreateSpec blank(String name, long size) {
        return new CreateSpec(new VolumeName(name), name, size, 0, FromRef.BLANK, Map.of("fsType", "ext4"));
    }

    static CreateSpec fork(String name, String from, long size) {
        return new CreateSpec(new VolumeName(name), name, size, 0, FromRef.parse(from), Map.of("fsType", "ext4"));
    }

    /** Commits a generation with data in it, as the data path would. */
    Registry.Generation commitData(VolumeRecord v, int chunk, long seed) {
        Registry.Generation newest = registry.newestGeneration(v);
        TreeMap<Integer, List<PackId>> chunks = new TreeMap<>(newest.manifest().chunks());
        chunks.put(chunk, List.of(new PackId(seed, ~seed)));
        long gen = newest.number() + 1;
        Manifest next = new Manifest(newest.manifest().blockSize(), newest.manifest().chunkSize(), v.sizeBytes(), gen, 0,
                newest.manifest().base(), chunks);
        String key = Layout.generation(v.volumeName(), v.uid(), gen);
        assertTrue(registry.bucket().create(Layout.inPool(v.poolId(), key), ManifestCodec.encode(next)));
        return new Registry.Generation(gen, key, next);
    }

    /** Every chunk → newest pack visible through the manifest chain. */
    Map<Integer, PackId> visible(PoolId pool, Manifest top) {
        Map<Integer, PackId> seen = new TreeMap<>();
        for (Manifest m : registry.chain(pool, top)) m.chunks().forEach((c, packs) -> seen.putIfAbsent(c, packs.getLast()));
        return seen;
    }

    @Test
    void createsABlankVolumeWithItsFirstGeneration() {
        VolumeRecord v = registry.create(blank("db", 10 * GIB));
        assertEquals(10 * GIB, v.sizeBytes());
        assertNull(v.source());
        assertEquals(v, registry.resolve(new VolumeName("db")));
        Registry.Generation g = registry.newestGeneration(v);
        assertEquals(1, g.number());
        assertEquals(10 * GIB, g.manifest().sizeBytes());
        assertTrue(g.manifest().chunks().isEmpty());
    }

    @Test
    void createIsIdempotentAndRejectsIncompatibleRetries() {
        VolumeRecord first = registry.create(blank("db", GIB));
        assertEquals(first, registry.create(blank("db", GIB)));
        assertThrows(VolumeException.AlreadyExists.class, () -> registry.create(blank("db", 2 * GIB)));
        var otherParams = new CreateSpec(new VolumeName("db"), "db", GIB, 0, FromRef.BLANK, Map.of("fsType", "xfs"));
        assertThrows(VolumeException.AlreadyExists.class, () -> registry.create(otherParams));
        registry.create(blank("src", GIB));
        assertThrows(VolumeException.AlreadyExists.class, () -> registry.create(fork("db", "volume:src", GIB)));
    }

    @Test
    void roundsSizesUpToWholeBlocksAndDefaultsBlankVolumesToOneGib() {
        assertEquals(Manifest.DEFAULT_BLOCK_SIZE, registry.create(blank("tiny", 1)).sizeBytes());
        assertEquals(GIB, registry.create(blank("default", 0)).sizeBytes());
    }

    @Test
    void forkSharesThePoolAndSeesTheSourceDataWithoutCopyingIt() {
        VolumeRecord src = registry.create(blank("src", 4 * GIB));
        commitData(src, 3, 42);
        VolumeRecord child = registry.create(fork("child", "volume:src", 0));
        assertEquals(src.pool(), child.pool());
        assertEquals("volume:src", child.source());
        assertEquals(4 * GIB, child.sizeBytes());
        Manifest top = registry.newestGeneration(child).manifest();
        assertTrue(top.chunks().isEmpty(), "a fork copies no chunk list");
        assertEquals(Map.of(3, new PackId(42, ~42L)), visible(child.poolId(), top));
        commitData(src, 5, 7);
        assertEquals(Map.of(3, new PackId(42, ~42L)), visible(child.poolId(), registry.newestGeneration(child).manifest()),
                "later writes to the source do not show in the fork");
    }

    @Test
    void forkFromMissingSourcesIsNotFoundAndSmallerThanSourceIsOutOfRange() {
        assertThrows(VolumeException.NotFound.class, () -> registry.create(fork("a", "volume:nope", 0)));
        assertThrows(VolumeException.NotFound.class, () -> registry.create(fork("b", "snapshot:nope@1", 0)));
        assertThrows(VolumeException.NotFound.class, () -> registry.create(fork("c", "image:nope", 0)));
        registry.create(blank("big", 2 * GIB));
        assertThrows(VolumeException.OutOfRange.class, () -> registry.create(fork("d", "volume:big", GIB)));
        assertTrue(registry.find(new VolumeName("d")).isEmpty(), "nothing written for a refused create");
    }

    @Test
    void snapshotsFreezeThePointInTimeAndRestoreAnywhere() {
        VolumeRecord src = registry.create(blank("db", GIB));
        commitData(src, 1, 11);
        SnapshotRecord snap = registry.snapshots().create(new VolumeName("db"), "snap-a");
        assertEquals("db@1", snap.id());
        assertEquals(snap, registry.snapshots().resolve(SnapshotId.parse("db@1")), "index written before return");
        commitData(src, 1, 12);
        VolumeRecord restored = registry.create(fork("restored", "snapshot:db@1", 0));
        assertEquals(Map.of(1, new PackId(11, ~11L)), visible(restored.poolId(), registry.newestGeneration(restored).manifest()));
    }

    @Test
    void snapshotIsIdempotentOnItsNameAndRejectsTheNameForAnotherVolume() {
        registry.create(blank("a", GIB));
        registry.create(blank("b", GIB));
        SnapshotRecord first = registry.snapshots().create(new VolumeName("a"), "nightly");
        assertEquals(first, registry.snapshots().create(new VolumeName("a"), "nightly"));
        assertThrows(VolumeException.AlreadyExists.class, () -> registry.snapshots().create(new VolumeName("b"), "nightly"));
        assertThrows(VolumeException.NotFound.class, () -> registry.snapshots().create(new VolumeName("missing"), "x"));
    }

    @Test
    void snapshotSequencesAreNeverReusedEvenAfterDeletesAndRecreation() {
        registry.create(blank("db", GIB));
        assertEquals("db@1", registry.snapshots().create(new VolumeName("db"), null).id());
        registry.snapshots().delete(SnapshotId.parse("db@1"));
        assertEquals("db@2", registry.snapshots().create(new VolumeName("db"), null).id());
        registry.delete(new VolumeName("db"));
        registry.create(blank("db", GIB));
        assertEquals("db@3", registry.snapshots().create(new VolumeName("db"), null).id());
        // a second registry (another node) continues the same sequence
        Registry other = new Registry(store(), Clock.systemUTC());
        assertEquals("db@4", other.snapshots().create(new VolumeName("db"), null).id());
    }

    @Test
    void concurrentSnapshotsGetDistinctIds() throws Exception {
        registry.create(blank("busy", GIB));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<String>> ids = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                Registry own = new Registry(store(), Clock.systemUTC());
                int n = i;
                ids.add(pool.submit(() -> own.snapshots().create(new VolumeName("busy"), "s" + n).id()));
            }
            Set<String> distinct = new HashSet<>();
            for (Future<String> f : ids) distinct.add(f.get());
            assertEquals(16, distinct.size());
            assertEquals(16, registry.snapshots().list(new VolumeName("busy"), null, 100).items().size());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void imagesAreBlessedInConstantTimeAndForkable() {
        VolumeRecord golden = registry.create(blank("golden", 2 * GIB));
        commitData(golden, 9, 99);
        registry.snapshots().create(new VolumeName("golden"), null);
        ImageRecord image = registry.images().bless(new ImageName("base"), FromRef.parse("snapshot:golden@1"));
        assertEquals(image, registry.images().bless(new ImageName("base"), FromRef.parse("snapshot:golden@1")));
        assertThrows(VolumeException.AlreadyExists.class,
                () -> registry.images().bless(new ImageName("base"), FromRef.parse("volume:golden")));
        VolumeRecord vm = registry.create(fork("vm-1", "image:base", 0));
        assertEquals(2 * GIB, vm.sizeBytes());
        assertEquals(Map.of(9, new PackId(99, ~99L)), visible(vm.poolId(), registry.newestGeneration(vm).manifest()));
        registry.images().delete(new ImageName("base"));
        assertThrows(VolumeException.NotFound.class, () -> registry.images().resolve(new ImageName("base")));
        assertEquals(Map.of(9, new PackId(99, ~99L)), visible(vm.poolId(), registry.newestGeneration(vm).manifest()),
                "a fork keeps its data after the image's name is deleted");
    }

    @Test
    void ownershipEpochsFenceTheFormerHolder() {
        registry.create(blank("vol", GIB));
        VolumeName vol = new VolumeName("vol");
        VolumeRecord a = registry.ownership().grant(vol, new NodeId("node-a"), false, "10.0.0.1:7000");
        assertEquals(1, a.owner().epoch());
        assertEquals(a, registry.ownership().grant(vol, new NodeId("node-a"), false, "10.0.0.1:7000"));
        var held = assertThrows(VolumeException.FailedPrecondition.class,
                () -> registry.ownership().grant(vol, new NodeId("node-b"), false, null));
        assertTrue(held.getMessage().contains("node-a"), held.getMessage());
        assertThrows(VolumeException.AlreadyExists.class, () -> registry.ownership().grant(vol, new NodeId("node-a"), true, null));
        assertThrows(VolumeException.FailedPrecondition.class, () -> registry.delete(vol));
        assertFalse(registry.ownership().superseded(vol, 1));
        registry.ownership().revoke(vol, new NodeId("node-a"));
        registry.ownership().revoke(vol, new NodeId("node-a"));
        assertTrue(registry.ownership().superseded(vol, 1), "node-a is fenced");
        VolumeRecord b = registry.ownership().grant(vol, new NodeId("node-b"), false, null);
        assertEquals(3, b.owner().epoch());
        assertThrows(VolumeException.NotFound.class, () -> registry.ownership().grant(new VolumeName("nope"), new NodeId("n"), false, null));
    }

    @Test
    void deleteIsIdempotentAndLeavesSnapshotsUsable() {
        VolumeRecord v = registry.create(blank("gone", GIB));
        commitData(v, 0, 5);
        registry.snapshots().create(new VolumeName("gone"), null);
        registry.delete(new VolumeName("gone"));
        registry.delete(new VolumeName("gone"));
        assertThrows(VolumeException.NotFound.class, () -> registry.resolve(new VolumeName("gone")));
        VolumeRecord restored = registry.create(fork("back", "snapshot:gone@1", 0));
        assertEquals(Map.of(0, new PackId(5, ~5L)), visible(restored.poolId(), registry.newestGeneration(restored).manifest()));
    }

    @Test
    void listsVolumesPageByPage() {
        for (int i = 0; i < 23; i++) registry.create(blank(String.format("v%02d", i), GIB));
        List<String> seen = new ArrayList<>();
        VolumeName after = null;
        int pages = 0;
        do {
            Page<VolumeRecord> page = registry.list(after, 10);
            page.items().forEach(v -> seen.add(v.name()));
            after = page.next() == null ? null : new VolumeName(page.next());
            pages++;
        } while (after != null);
        assertEquals(3, pages);
        assertEquals(23, seen.size());
        assertEquals(23, new HashSet<>(seen).size());
    }

    @Test
    void listsVolumesSnapshotsAndImagesInNaturalOrderAcrossPages() {
        for (String n : List.of("db-copy", "v10", "db", "v2", "v1", "db.old", "db_x"))
            registry.create(blank(n, GIB));
        assertEquals(List.of("db", "db-copy", "db.old", "db_x", "v1", "v2", "v10"), volumeNames(2));
        VolumeName v = new VolumeName("v2");
        for (int i = 0; i < 12; i++) registry.snapshots().create(v, null);
        registry.snapshots().create(new VolumeName("v10"), null);
        registry.snapshots().create(new VolumeName("db"), null);
        List<String> ofV = new ArrayList<>();
        SnapshotId after = null;
        do {
            Page<SnapshotRecord> page = registry.snapshots().list(v, after, 5);
            page.items().forEach(s -> ofV.add(s.id()));
            after = page.next() == null ? null : SnapshotId.parse(page.next());
        } while (after != null);
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= 12; i++) expected.add("v2@" + i);
        assertEquals(expected, ofV, "v2@2 before v2@10, every snapshot once across pages");
        List<String> all = registry.snapshots().list(null, null, 100).items().stream().map(SnapshotRecord::id).toList();
        assertEquals("db@1", all.getFirst());
        assertEquals("v10@1", all.getLast());
        // a token stays valid when the snapshot it names is deleted meanwhile
        Page<SnapshotRecord> first = registry.snapshots().list(v, null, 3);
        registry.snapshots().delete(SnapshotId.parse(first.next()));
        assertEquals("v2@4", registry.snapshots().list(v, SnapshotId.parse(first.next()), 3).items().getFirst().id());
        registry.images().bless(new ImageName("img10"), FromRef.parse("volume:v1"));
        registry.images().bless(new ImageName("img9"), FromRef.parse("volume:v1"));
        assertEquals(List.of("img9", "img10"), registry.images().list(null, 10).items().stream().map(ImageRecord::name).toList());
    }

    List<String> volumeNames(int pageSize) {
        List<String> seen = new ArrayList<>();
        VolumeName after = null;
        do {
            Page<VolumeRecord> page = registry.list(after, pageSize);
            page.items().forEach(r -> seen.add(r.name()));
            after = page.next() == null ? null : new VolumeName(page.next());
        } while (after != null);
        return seen;
    }

    @Test
    void namesAreCaseSensitiveAsDocumented() {
        registry.create(blank("db", GIB));
        registry.create(blank("DB", 2 * GIB));
        assertEquals(GIB, registry.resolve(new VolumeName("db")).sizeBytes());
        assertEquals(2 * GIB, registry.resolve(new VolumeName("DB")).sizeBytes());
        assertEquals(List.of("DB", "db"), volumeNames(10), "upper case sorts first, as in ASCII");
    }

    @Test
    void aForkOrImageOfAnExpandedVolumeHasItsCurrentSize() {
        registry.create(blank("ex1", GIB));
        registry.expand(new VolumeName("ex1"), 2 * GIB);
        assertEquals(2 * GIB, registry.create(fork("ex1-fork", "volume:ex1", 0)).sizeBytes());
        assertEquals(2 * GIB, registry.images().bless(new ImageName("ex1-img"), FromRef.parse("volume:ex1")).sizeBytes());
        assertEquals(2 * GIB, registry.snapshots().create(new VolumeName("ex1"), null).sizeBytes());
        assertEquals(2 * GIB, registry.create(fork("ex1-img-fork", "image:ex1-img", 0)).sizeBytes());
    }

    @Test
    void expandGrowsRoundsAndNeverShrinks() {
        registry.create(blank("grow", GIB));
        assertEquals(2 * GIB, registry.expand(new VolumeName("grow"), 2 * GIB).sizeBytes());
        assertEquals(2 * GIB, registry.expand(new VolumeName("grow"), GIB).sizeBytes());
        assertEquals(2 * GIB + Manifest.DEFAULT_BLOCK_SIZE, registry.expand(new VolumeName("grow"), 2 * GIB + 1).sizeBytes());
        assertThrows(VolumeException.NotFound.class, () -> registry.expand(new VolumeName("nope"), GIB));
    }

    @Test
    void corruptRecordsAreReportedNotGuessedAround() {
        store().put(Layout.volumeRecord(new VolumeName("bad")), "{\"name\": 12".getBytes(StandardCharsets.UTF_8));
        assertThrows(VolumeException.Corrupt.class, () -> registry.resolve(new VolumeName("bad")));
        store().put(Layout.volumeRecord(new VolumeName("evil")),
                "{\"formatVersion\":1,\"name\":\"../x\",\"uid\":\"0000000000000000\",\"pool\":\"0000000000000000\"}"
                        .getBytes(StandardCharsets.UTF_8));
        assertThrows(VolumeException.Corrupt.class, () -> registry.resolve(new VolumeName("evil")));
    }

    @Test
    void recordsIgnoreUnknownFieldsForRollingUpgrades() {
        VolumeRecord v = registry.create(blank("future", GIB));
        String json = new String(store().get(Layout.volumeRecord(v.volumeName())).data(), StandardCharsets.UTF_8);
        store().put(Layout.volumeRecord(v.volumeName()),
                json.replaceFirst("\\{", "{\"addedInV9\": {\"x\": 1},").getBytes(StandardCharsets.UTF_8));
        assertEquals(v, registry.resolve(v.volumeName()));
    }

    @Test
    void anotherRegistryOnTheSameStoreSeesEverything() {
        VolumeRecord v = registry.create(blank("shared", GIB));
        Registry elsewhere = new Registry(store(), Clock.systemUTC());
        assertEquals(v, elsewhere.resolve(new VolumeName("shared")));
        assertNotEquals(null, elsewhere.newestGeneration(v));
        assertTrue(store().head(new ObjectKey("volumes/shared/volume.json")).isPresent());
    }
}
