package dev.strata.csi;

import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.strata.volume.VolumeException;
import org.junit.jupiter.api.Test;

class InFlightTest {
    @Test
    void aSecondOperationOnTheSameVolumeIsAbortedUntilTheFirstEnds() {
        InFlight inFlight = new InFlight();
        try (var first = inFlight.acquire("vol")) {
            assertThrows(VolumeException.Aborted.class, () -> inFlight.acquire("vol"));
            try (var other = inFlight.acquire("other-vol")) {
                // a different volume is not held up
            }
        }
        try (var again = inFlight.acquire("vol")) {
            // released after the first ended
        }
    }
}
