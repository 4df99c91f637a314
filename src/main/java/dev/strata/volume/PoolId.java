package dev.strata.volume;

import java.security.SecureRandom;
import java.util.HexFormat;

/** A pool: the bucket area that a blank volume and all its forks share. 16 hex digits. */
public record PoolId(String value) {
    private static final SecureRandom RANDOM = new SecureRandom();

    public PoolId {
        if (value == null || !value.matches("[0-9a-f]{16}"))
            throw new VolumeException.InvalidArgument("pool id must be 16 lowercase hex digits");
    }

    static PoolId random() {
        return new PoolId(randomHex());
    }

    static String randomHex() {
        return HexFormat.of().toHexDigits(RANDOM.nextLong());
    }

    @Override
    public String toString() {
        return value;
    }
}
