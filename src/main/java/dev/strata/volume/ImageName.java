package dev.strata.volume;

/** A named, immutable image: same character rules as a volume name. */
public record ImageName(String value) {
    public static final int MAX_BYTES = 100;

    public ImageName {
        Names.check("image name", value, MAX_BYTES);
    }

    @Override
    public String toString() {
        return value;
    }
}
