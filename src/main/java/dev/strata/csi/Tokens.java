package dev.strata.csi;

import dev.strata.volume.SnapshotId;
import dev.strata.volume.VolumeException;
import dev.strata.volume.VolumeName;
import io.grpc.Status;

/**
 * Pagination tokens of ListVolumes and ListSnapshots: {@code v1:} and the last id returned.
 * Anything else is ABORTED, as the CSI spec asks for an invalid starting_token.
 */
final class Tokens {
    private static final String PREFIX = "v1:";

    private Tokens() {}

    static String of(String lastId) {
        return PREFIX + lastId;
    }

    static VolumeName volume(String token) {
        if (token.isEmpty()) return null;
        try {
            return new VolumeName(body(token));
        } catch (VolumeException.InvalidArgument e) {
            throw aborted(token);
        }
    }

    static SnapshotId snapshot(String token) {
        if (token.isEmpty()) return null;
        try {
            return SnapshotId.parse(body(token));
        } catch (VolumeException.InvalidArgument e) {
            throw aborted(token);
        }
    }

    private static String body(String token) {
        if (!token.startsWith(PREFIX)) throw aborted(token);
        return token.substring(PREFIX.length());
    }

    private static RuntimeException aborted(String token) {
        return Status.ABORTED.withDescription("starting_token '" + token + "' was not issued by this plugin")
                .asRuntimeException();
    }
}
