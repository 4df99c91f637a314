package dev.strata.cli;

import dev.strata.store.PrivateFiles;
import dev.strata.volume.NodeId;
import dev.strata.volume.VolumeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A serving process's claim on its state directory, taken before anything else: an exclusive
 * lock on {@code {stateDir}/lock} (flock, released by the kernel when the process dies, so a
 * kill -9 leaves no stale claim) holding the owner's PID, and the node identity the directory
 * was first served as ({@code {stateDir}/node-id}). A second server on the same directory, or
 * the same directory under another node id, stops before it touches the socket, the local
 * map or a cache.
 */
final class StateDir implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private StateDir(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Locks {@code dir} for this process; FailedPrecondition naming the holder's PID when another server has it. */
    static StateDir lock(Path dir) {
        try {
            PrivateFiles.directories(dir);
            Path file = dir.resolve("lock");
            FileChannel ch = PrivateFiles.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // this very process serves it already
            }
            if (lock == null) {
                String holder = Files.readString(file, StandardCharsets.UTF_8).strip();
                ch.close();
                throw new VolumeException.FailedPrecondition("the state directory " + dir + " is in use by another strata server (pid "
                        + (holder.isEmpty() ? "unknown" : holder) + "); stop it first, or give this one its own --state-dir");
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            ch.force(true);
            return new StateDir(ch, lock);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock the state directory " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Checks that {@code dir} was first served as {@code node} (recording it on the first
     * start). Another id would tear down the volumes this directory holds as if they had been
     * revoked: FailedPrecondition instead.
     */
    static void checkIdentity(Path dir, NodeId node) {
        Path file = dir.resolve("node-id");
        try {
            if (Files.exists(file)) {
                String recorded = Files.readString(file, StandardCharsets.UTF_8).strip();
                if (!recorded.equals(node.value()))
                    throw new VolumeException.FailedPrecondition("the state directory " + dir + " belongs to node '" + recorded
                            + "' but this server was started as '" + node + "' (the default node id is the host name: was the host"
                            + " renamed?); start it with --node-id " + recorded + " — its volumes and devices are that node's"
                            + " (docs/operations.md, \"Node identity\")");
                return;
            }
            Path tmp = dir.resolve("node-id.tmp");
            Files.deleteIfExists(tmp);
            try (FileChannel c = PrivateFiles.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                c.write(ByteBuffer.wrap((node.value() + "\n").getBytes(StandardCharsets.UTF_8)));
                c.force(true);
            }
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record the node identity in " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() throws IOException {
        lock.release();
        channel.close();
    }
}
