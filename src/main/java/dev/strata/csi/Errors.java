package dev.strata.csi;

import dev.strata.volume.VolumeException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** The one place where engine failures become CSI status codes (CSI spec v1.12 error tables). */
final class Errors {
    private Errors() {}

    static Status toStatus(Throwable t) {
        if (t instanceof StatusRuntimeException s) return s.getStatus();
        if (!(t instanceof VolumeException e)) return Status.INTERNAL.withDescription("internal error: " + t);
        return switch (e) {
            case VolumeException.NotFound x -> Status.NOT_FOUND.withDescription(x.getMessage());
            case VolumeException.AlreadyExists x -> Status.ALREADY_EXISTS.withDescription(x.getMessage());
            case VolumeException.InvalidArgument x -> Status.INVALID_ARGUMENT.withDescription(x.getMessage());
            case VolumeException.FailedPrecondition x -> Status.FAILED_PRECONDITION.withDescription(x.getMessage());
            case VolumeException.OutOfRange x -> Status.OUT_OF_RANGE.withDescription(x.getMessage());
            case VolumeException.Aborted x -> Status.ABORTED.withDescription(x.getMessage());
            // A fenced node must not be told to retry forever: final, and says why.
            case VolumeException.Fenced x -> Status.FAILED_PRECONDITION.withDescription(x.getMessage());
            case VolumeException.Unavailable x -> Status.UNAVAILABLE.withDescription(x.getMessage());
            case VolumeException.Corrupt x -> Status.INTERNAL.withDescription(x.getMessage());
            default -> Status.INTERNAL.withDescription(e.getMessage());
        };
    }

    static StatusRuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }

    static StatusRuntimeException notFound(String message) {
        return Status.NOT_FOUND.withDescription(message).asRuntimeException();
    }
}
