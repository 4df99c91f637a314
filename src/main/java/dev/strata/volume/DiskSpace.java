package dev.strata.volume;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The local disk under one volume's cache: whether it is short of space (a cache write found
 * it full, or less than the headroom is free), the error a failed cache write or fsync
 * becomes, and the bounded wait of a write or flush that finds the disk full while the
 * uploader commits and evicts.
 */
final class DiskSpace {
    static final String FULL = "the local disk is full";

    private final Path dir;
    /** How a write or flush that finds the disk full waits for the uploader to make room ({@link Timing#diskFull()}). */
    private final Retry wait;
    private FileStore fileStore;
    /** A cache write found the disk full: the uploader commits at once and evicts. */
    private volatile boolean found;

    DiskSpace(Path dir, Retry wait) {
        this.dir = dir;
        this.wait = wait;
    }

    /**
     * Runs {@code io}; when it finds the local disk full, waits (holding no lock) while the
     * uploader commits and evicts clean blocks, and runs it again — within the {@link #wait}
     * policy, then fails (EIO). A disk full of unuploaded data stays full until the bucket
     * takes it.
     */
    void whileFull(Runnable io) {
        wait.call(() -> {
            io.run();
            return null;
        }, e -> e instanceof VolumeException.Unavailable && noSpace(e.getCause()), () -> { });
    }

    private static boolean noSpace(Throwable t) {
        return t instanceof IOException && String.valueOf(t.getMessage()).contains("No space");
    }

    /** A failed cache write or fsync of {@code volume} (EIO to the block layer); a full disk also tells the uploader to make room. */
    VolumeException.Unavailable failure(VolumeName volume, String doing, IOException e) {
        boolean full = noSpace(e);
        if (full) found = true;
        return new VolumeException.Unavailable("cannot " + doing + " the local cache of " + volume + ": "
                + (full ? FULL : e.getMessage()), e);
    }

    /**
     * The free space the cache's filesystem should keep: a quarter of it, at most 1 GiB. Below
     * it the uploader commits at once and evicts clean blocks, so writes keep landing while the
     * uploads catch up.
     */
    static long headroom(long totalBytes) {
        return Math.min(totalBytes / 4, 1L << 30);
    }

    /**
     * Whether the cache should give space back: a cache write found the disk full since the
     * last call, or its filesystem has less than its {@link #headroom} free.
     */
    boolean isShort() {
        boolean full = found;
        found = false;
        if (full) return true;
        try {
            if (fileStore == null) fileStore = Files.getFileStore(dir);
            return fileStore.getUsableSpace() < headroom(fileStore.getTotalSpace());
        } catch (IOException e) {
            return false;
        }
    }
}
