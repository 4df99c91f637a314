package dev.strata.csi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.strata.volume.VolumeException;
import io.grpc.Status;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One row per entry of the CSI error table Strata produces. */
class ErrorsTest {
    static Stream<Arguments> table() {
        return Stream.of(
                Arguments.of(new VolumeException.NotFound("x"), Status.Code.NOT_FOUND),
                Arguments.of(new VolumeException.AlreadyExists("x"), Status.Code.ALREADY_EXISTS),
                Arguments.of(new VolumeException.InvalidArgument("x"), Status.Code.INVALID_ARGUMENT),
                Arguments.of(new VolumeException.FailedPrecondition("x"), Status.Code.FAILED_PRECONDITION),
                Arguments.of(new VolumeException.OutOfRange("x"), Status.Code.OUT_OF_RANGE),
                Arguments.of(new VolumeException.Aborted("x"), Status.Code.ABORTED),
                Arguments.of(new VolumeException.Fenced("x"), Status.Code.FAILED_PRECONDITION),
                Arguments.of(new VolumeException.Unavailable("x", null), Status.Code.UNAVAILABLE),
                Arguments.of(new VolumeException.Corrupt("x", null), Status.Code.INTERNAL),
                Arguments.of(new IllegalStateException("bug"), Status.Code.INTERNAL));
    }

    @ParameterizedTest
    @MethodSource("table")
    void mapsEachFailureToItsCsiCode(Throwable failure, Status.Code code) {
        Status status = Errors.toStatus(failure);
        assertEquals(code, status.getCode());
        assertEquals(false, status.getDescription() == null || status.getDescription().isBlank());
    }
}
