package dev.strata.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.store.FileObjectStore;
import dev.strata.testing.Privileged;
import dev.strata.volume.CreateSpec;
import dev.strata.volume.FromRef;
import dev.strata.volume.NodeId;
import dev.strata.volume.PackCache;
import dev.strata.volume.Registry;
import dev.strata.volume.VolumeName;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Boot recovery on the host: the local map decides what comes back, never the bucket. */
class NodeRecoveryTest {
    static final NodeId NODE = new NodeId("node-1");
    static final long SIZE = 64L << 20;

    @TempDir Path state;
    @TempDir Path bucket;
    @TempDir Path kubelet;
    CountingStore store;
    Registry registry;
    LoopDevices devices;
    final ProcessRunner runner = new ProcessRunner(Duration.ofSeconds(60));
    NodeVolumes open;

    @BeforeEach
    void setUp() {
        Privileged.assumeRootWithLoopDevices();
        store = new CountingStore(new FileObjectStore(bucket));
        registry = new Registry(store, Clock.systemUTC());
        devices = new LoopDevices(state.resolve("loops"));
    }

    @AfterEach
    void tearDown() {
        if (devices == null) return;  // skipped: not root
        if (open != null) for (String v : open.heldVolumes()) open.unstage(new VolumeName(v), kubelet.resolve(v));
        new Mounts(runner).table().stream().filter(m -> m.target().startsWith(kubelet))
                .forEach(m -> new Mounts(runner).unmount(m.target()));
        if (open != null) open.close();
        devices.detachAll();
        store.close();
    }

    NodeVolumes node() {
        return new NodeVolumes(NODE, registry, new PackCache(store, 16L << 20), state.resolve("node"), devices, runner, Clock.systemUTC());
    }

    VolumeName stage(NodeVolumes nv, String name, LocalMap.Access access) {
        VolumeName v = new VolumeName(name);
        registry.create(new CreateSpec(v, name, SIZE, 0, FromRef.BLANK, Map.of()));
        long epoch = registry.ownership().grant(v, NODE, false, null).owner().epoch();
        nv.stage(new NodeVolumes.StageRequest(v, epoch, kubelet.resolve(name), access,
                access == LocalMap.Access.MOUNT ? "ext4" : null, List.of(), false));
        return v;
    }

    Map<String, NodeVolumes.Outcome> outcomes(List<NodeVolumes.Recovered> rs) {
        Map<String, NodeVolumes.Outcome> m = new TreeMap<>();
        for (NodeVolumes.Recovered r : rs) m.put(r.volume(), r.outcome());
        return m;
    }

    @Test
    void recoversExactlyTheLocalMapAndDropsWhatWasFencedOrDeleted() {
        NodeVolumes first = node();
        stage(first, "a", LocalMap.Access.MOUNT);
        stage(first, "b", LocalMap.Access.BLOCK);
        VolumeName c = stage(first, "c", LocalMap.Access.BLOCK);
        VolumeName d = stage(first, "d", LocalMap.Access.BLOCK);
        VolumeName gone = stage(first, "gone", LocalMap.Access.BLOCK);
        first.unstage(d, kubelet.resolve("d"));
        registry.create(new CreateSpec(new VolumeName("never-here"), "never-here", SIZE, 0, FromRef.BLANK, Map.of()));
        first.close(); // like a process exit: devices left behind, mounts live on

        registry.ownership().revoke(c, NODE);                 // fenced while the node was down
        registry.ownership().revoke(gone, NODE);
        registry.delete(gone);                                // deleted while the node was down
        open = node();
        Map<String, NodeVolumes.Outcome> result = outcomes(open.recover());

        assertEquals(Map.of("a", NodeVolumes.Outcome.RESUMED, "b", NodeVolumes.Outcome.RESUMED,
                "c", NodeVolumes.Outcome.DROPPED_FENCED, "gone", NodeVolumes.Outcome.DROPPED_DELETED), result);
        assertEquals(List.of("a", "b"), open.heldVolumes());
        assertEquals(List.of("a", "b"), open.localMap().entries().stream().map(LocalMap.Entry::volume).toList());
        assertEquals(2, devices.discarded.get(), "the fenced and the deleted volume's devices are taken down");
        assertTrue(open.mounts().at(kubelet.resolve("a")).isPresent(), "the filesystem volume is still mounted");
    }

    @Test
    void aDeviceThatIsGoneIsAddedAgainAndTheMapUpdated() {
        NodeVolumes first = node();
        stage(first, "a", LocalMap.Access.BLOCK);
        int before = first.localMap().entries().getFirst().devId();
        first.close();
        devices.detachAll(); // as after a reboot: the device is gone
        open = node();
        assertEquals(Map.of("a", NodeVolumes.Outcome.READDED), outcomes(open.recover()));
        LocalMap.Entry now = LocalMap.open(state.resolve("node")).entries().getFirst();
        assertTrue(now.devId() >= 0);
        assertEquals(List.of("a"), open.heldVolumes());
        assertNotEquals(-1, before);
    }

    @Test
    void aFreshNodeRecoversNothingAndAsksTheBucketNothing() {
        registry.create(new CreateSpec(new VolumeName("elsewhere"), "elsewhere", SIZE, 0, FromRef.BLANK, Map.of()));
        open = node();
        long before = store.requests.get();
        assertEquals(List.of(), open.recover());
        assertEquals(before, store.requests.get());
    }

    @Test
    void bootRequestsDoNotGrowWithTheBucket() {
        NodeVolumes first = node();
        for (String n : List.of("a", "b", "c")) stage(first, n, LocalMap.Access.BLOCK);
        first.close();

        NodeVolumes second = node();
        long start = store.requests.get(), listsStart = store.lists.get();
        assertEquals(3, second.recover().size());
        long small = store.requests.get() - start, smallLists = store.lists.get() - listsStart;
        second.close();

        for (int i = 0; i < 1000; i++)
            registry.create(new CreateSpec(new VolumeName("other-" + i), null, SIZE, 0, FromRef.BLANK, Map.of()));

        open = node();
        start = store.requests.get();
        listsStart = store.lists.get();
        assertEquals(3, open.recover().size());
        long big = store.requests.get() - start, bigLists = store.lists.get() - listsStart;
        assertEquals(small, big, "requests at boot with 3 local volumes: 3 + 0 vs 3 + 1000 in the bucket");
        assertEquals(smallLists, bigLists);
        assertTrue(big <= 3 * 12, "a handful of requests per local volume, got " + big);
    }

    @Test
    void unstagingAnEntryThatWasNotRecoveredAttachesItFirstSoNothingIsDropped() {
        NodeVolumes first = node();
        stage(first, "a", LocalMap.Access.BLOCK);
        first.close();
        open = node(); // recovery not run (as when it failed at boot): the entry is mapped, not held
        int before = devices.recovered.get();
        open.unstage(new VolumeName("a"), kubelet.resolve("a"));
        assertEquals(before + 1, devices.recovered.get(), "the device was resumed to be drained and removed");
        assertEquals(List.of(), open.localMap().entries());
        assertEquals(List.of(), open.heldVolumes());
    }
}
