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
    /** How long a write or flush that finds the local disk full waits for the uploader to make room. */
    static final long WAIT_MILLIS = 60_000;
    static final String FULL = "the local disk is full";

    private final Path dir;
    private FileStore fileStore;
    /** A cache write found the disk full: the uploader commits at once and evicts. */
    private volatile boolean found;
    /** {@link #WAIT_MILLIS}, shortened by tests. */
    volatile long waitMillis = WAIT_MILLIS;

    DiskSpace(Path dir) {
        this.dir = dir;
    }

    /**
     * Runs {@code io}; when it finds the local disk full, waits (holding no lock) while the
     * uploader commits and evicts clean blocks, and runs it again — for up to
     * {@link #waitMillis}, then fails (EIO). A disk full of unuploaded data stays full until the
     * bucket takes it.
     */
    void whileFull(Runnable io) {
        long deadline = 0;
        while (true) {
            try {
                io.run();
                return;
            } catch (VolumeException.Unavailable e) {
                if (!noSpace(e.getCause())) throw e;
                long now = System.nanoTime();
                if (deadline == 0) deadline = now + waitMillis * 1_000_000;
                else if (now > deadline) throw e;
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
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
