package dev.strata.volume;

import java.util.HexFormat;

/** A pack's content-addressed id: 128 bits of a hash of its contents, 32 hex digits in keys. */
public record PackId(long hi, long lo) implements Comparable<PackId> {
    public static final int BYTES = 16;

    public static PackId parse(String hex) {
        if (hex == null || hex.length() != 32 || !hex.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            throw new VolumeException.InvalidArgument("pack id must be 32 lowercase hex digits");
        return new PackId(HexFormat.fromHexDigitsToLong(hex, 0, 16), HexFormat.fromHexDigitsToLong(hex, 16, 32));
    }

    public String hex() {
        return HexFormat.of().toHexDigits(hi) + HexFormat.of().toHexDigits(lo);
    }

    @Override
    public int compareTo(PackId o) {
        int c = Long.compareUnsigned(hi, o.hi);
        return c != 0 ? c : Long.compareUnsigned(lo, o.lo);
    }

    @Override
    public String toString() {
        return hex();
    }
}
