package dev.strata.volume;

/**
 * Every failure the engine reports to its callers. The CSI layer maps each kind to a gRPC
 * status in exactly one place; nothing else should need to look inside.
 */
public sealed class VolumeException extends RuntimeException {
    private VolumeException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A volume, snapshot, image or node that does not exist. */
    public static final class NotFound extends VolumeException {
        public NotFound(String message) { super(message, null); }
    }

    /** The name exists with other, incompatible properties. */
    public static final class AlreadyExists extends VolumeException {
        public AlreadyExists(String message) { super(message, null); }
    }

    /** Bad input: the message names the field and what was wrong. */
    public static final class InvalidArgument extends VolumeException {
        public InvalidArgument(String message) { super(message, null); }
    }

    /** The request is valid but the volume's state forbids it (e.g. held by another node). */
    public static final class FailedPrecondition extends VolumeException {
        public FailedPrecondition(String message) { super(message, null); }
    }

    /** A size outside what is allowed (e.g. smaller than the source). */
    public static final class OutOfRange extends VolumeException {
        public OutOfRange(String message) { super(message, null); }
    }

    /** Another operation on the same volume is in flight; retry later. */
    public static final class Aborted extends VolumeException {
        public Aborted(String message) { super(message, null); }
    }

    /** This node's ownership epoch was revoked: it must not write the volume any more. */
    public static final class Fenced extends VolumeException {
        public Fenced(String message) { super(message, null); }
    }

    /** The bucket could not be reached; retrying may succeed. */
    public static final class Unavailable extends VolumeException {
        public Unavailable(String message, Throwable cause) { super(message, cause); }
    }

    /** A stored record or manifest that cannot be read: never guessed around. */
    public static final class Corrupt extends VolumeException {
        public Corrupt(String message, Throwable cause) { super(message, cause); }
    }
}
