package dev.strata.volume;

import java.util.Map;

/**
 * What CreateVolume asks for. {@code sizeBytes} 0 means "the source's size" (or the default
 * for a blank volume); {@code limitBytes} 0 means no limit.
 */
public record CreateSpec(VolumeName name, String csiName, long sizeBytes, long limitBytes, FromRef from,
                         Map<String, String> parameters) {
    public CreateSpec {
        if (name == null || from == null) throw new VolumeException.InvalidArgument("volume name and source are required");
        if (sizeBytes < 0) throw new VolumeException.InvalidArgument("required_bytes must not be negative");
        if (limitBytes < 0) throw new VolumeException.InvalidArgument("limit_bytes must not be negative");
        if (limitBytes > 0 && sizeBytes > limitBytes)
            throw new VolumeException.InvalidArgument("required_bytes " + sizeBytes + " exceeds limit_bytes " + limitBytes);
        parameters = parameters == null ? Map.of() : Map.copyOf(parameters);
    }
}
