package dev.strata.volume;

/** Volume sizes: bytes everywhere, rounded up to whole blocks. */
public final class Sizes {
    public static final long KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB, TiB = 1024 * GiB;
    /** A blank volume created with no size. */
    public static final long DEFAULT_SIZE = GiB;
    /** Largest volume: 64 TiB keeps every chunk index well inside 32 bits. */
    public static final long MAX_SIZE = 64 * TiB;

    private Sizes() {}

    /** {@code bytes} rounded up to a whole number of {@code blockSize} blocks; checked. */
    public static long roundUp(long bytes, int blockSize) {
        if (bytes < 0) throw new VolumeException.InvalidArgument("size must not be negative, got " + bytes);
        if (bytes > MAX_SIZE) throw new VolumeException.OutOfRange("size " + bytes + " exceeds the maximum of " + MAX_SIZE + " bytes");
        return (bytes + blockSize - 1) / blockSize * blockSize;
    }
}
