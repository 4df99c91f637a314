package dev.strata.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.store.FileObjectStore;
import dev.strata.testing.HookedStore;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two controllers on one bucket (a rolling upgrade; the admin CLI beside the controller):
 * delete, publish and unpublish interleaved at the worst point — after one has read the
 * volume record and before it writes. At most one of two conflicting transitions may succeed.
 */
class OwnershipRaceTest {
    static final VolumeName VOL = new VolumeName("vol");
    static final String RECORD = "volumes/vol/volume.json";

    @TempDir Path dir;
    HookedStore hooked;
    Registry first, second;

    @BeforeEach
    void twoControllers() {
        FileObjectStore store = new FileObjectStore(dir);
        hooked = new HookedStore(store);
        first = new Registry(hooked, Clock.systemUTC());
        second = new Registry(store, Clock.systemUTC());
        first.create(new CreateSpec(VOL, "vol", Sizes.GiB, 0, FromRef.BLANK, Map.of()));
    }

    @Test
    void aDeleteThatReadAnUnpublishedRecordLosesToAPublishInBetween() {
        hooked.afterNextGet(RECORD, () -> second.ownership().grant(VOL, new NodeId("node-b"), false, null));
        assertThrows(VolumeException.FailedPrecondition.class, () -> first.delete(VOL),
                "the publish in between won: the delete must not remove a published volume");
        VolumeRecord now = second.resolve(VOL);
        assertEquals("node-b", now.owner().node(), "the publish stands");
        assertTrue(!second.ownership().superseded(VOL, now.owner().epoch()), "node-b's epoch is the newest");
    }

    @Test
    void aPublishThatReadTheRecordLosesToADeleteInBetween() {
        hooked.afterNextGet(RECORD, () -> second.delete(VOL));
        assertThrows(VolumeException.NotFound.class, () -> first.ownership().grant(VOL, new NodeId("node-a"), false, null));
        assertTrue(second.find(VOL).isEmpty());
    }

    @Test
    void twoPublishesToDifferentNodesInterleavedGrantOnlyOne() {
        hooked.afterNextGet(RECORD, () -> second.ownership().grant(VOL, new NodeId("node-b"), false, null));
        var e = assertThrows(VolumeException.FailedPrecondition.class,
                () -> first.ownership().grant(VOL, new NodeId("node-a"), false, null));
        assertTrue(e.getMessage().contains("node-b"), e.getMessage());
        VolumeRecord now = second.resolve(VOL);
        assertEquals("node-b", now.owner().node());
        assertTrue(!second.ownership().superseded(VOL, now.owner().epoch()), "no later epoch fences node-b");
    }

    @Test
    void anUnpublishInterleavedWithAnExpansionStillRevokes() {
        long epoch = second.ownership().grant(VOL, new NodeId("node-a"), false, null).owner().epoch();
        hooked.afterNextGet(RECORD, () -> second.expand(VOL, 2 * Sizes.GiB));
        first.ownership().revoke(VOL, new NodeId("node-a"));
        VolumeRecord now = second.resolve(VOL);
        assertEquals(null, now.owner());
        assertEquals(2 * Sizes.GiB, now.sizeBytes(), "the expansion is kept");
        assertTrue(second.ownership().superseded(VOL, epoch));
    }

    @Test
    void aVolumeRecreatedUnderAnOldNameTakesEpochsAboveTheFormerOnes() {
        for (int i = 0; i < 3; i++) {
            first.ownership().grant(VOL, new NodeId("node-a"), false, null);
            first.ownership().revoke(VOL, null);
        }
        first.delete(VOL);
        first.create(new CreateSpec(VOL, "vol", Sizes.GiB, 0, FromRef.BLANK, Map.of()));
        long epoch = second.ownership().grant(VOL, new NodeId("node-b"), false, null).owner().epoch();
        assertTrue(epoch > 7, "epoch " + epoch + " must be above the 6 grants/revokes and the delete of the former volume");
        assertTrue(!second.ownership().superseded(VOL, epoch));
    }
}
