package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.strata.node.NodeVolumes;
import dev.strata.node.NodeVolumes.Outcome;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServerRootTest {
    /** Regression: "strata started recovered=1" was logged when the one entry's recovery had FAILED. */
    @Test
    void theStartLineCountsOnlyVolumesThatWereRecovered() {
        List<NodeVolumes.Recovered> boot = List.of(new NodeVolumes.Recovered("a", Outcome.FAILED, "no device"),
                new NodeVolumes.Recovered("b", Outcome.RESUMED, null), new NodeVolumes.Recovered("c", Outcome.READDED, null),
                new NodeVolumes.Recovered("d", Outcome.DROPPED_FENCED, null));
        assertEquals(2, ServerRoot.count(boot, Outcome.RESUMED, Outcome.READDED));
        assertEquals(1, ServerRoot.count(boot, Outcome.FAILED));
        assertEquals(0, ServerRoot.count(List.of(new NodeVolumes.Recovered("a", Outcome.FAILED, "x")), Outcome.RESUMED, Outcome.READDED));
    }
}
