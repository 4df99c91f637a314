package dev.strata.node;

import dev.strata.volume.BlockTarget;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link Devices} on the host kernel's loop driver, for the node tests that need real block
 * devices but no ublk (this host has none): each device is a loop device over a sparse file
 * in {@code dir} of the target's size. The data does not pass through the target — the
 * engine's path is proven under QEMU — but mkfs, mount, bind mounts, resize and statvfs
 * all run for real. Devices outlive a {@link #close()} (like ublk's quiesced devices) until
 * {@link #detachAll()}.
 */
public final class LoopDevices implements Devices {
    private final Path dir;
    private final ProcessRunner runner = new ProcessRunner(java.time.Duration.ofSeconds(60));
    private static final AtomicInteger SEQ = new AtomicInteger();
    public final AtomicInteger added = new AtomicInteger(), recovered = new AtomicInteger(), discarded = new AtomicInteger();
    /** The engines handed to {@link #add}, in order: tests drive I/O through them (the loop device does not). */
    public final List<BlockTarget> targets = new java.util.concurrent.CopyOnWriteArrayList<>();

    public LoopDevices(Path dir) {
        this.dir = dir;
    }

    @Override
    public Device add(BlockTarget target) {
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve("dev-" + ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet() + ".img");
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
                f.setLength(target.sizeBytes());
            }
            String dev = runner.check(List.of("losetup", "--find", "--show", file.toString())).stdout().strip();
            added.incrementAndGet();
            targets.add(target);
            return device(Integer.parseInt(dev.substring("/dev/loop".length())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Optional<Path> backing(int devId) {
        try {
            Path p = Path.of("/sys/block/loop" + devId + "/loop/backing_file");
            if (!Files.exists(p)) return Optional.empty();
            Path file = Path.of(Files.readString(p).strip());
            return file.startsWith(dir) ? Optional.of(file) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public Optional<Device> recover(int devId, BlockTarget target) {
        if (backing(devId).isEmpty()) return Optional.empty();
        recovered.incrementAndGet();
        return Optional.of(device(devId));
    }

    @Override
    public void discard(int devId) {
        if (backing(devId).isEmpty()) return;
        discarded.incrementAndGet();
        runner.check(List.of("losetup", "-d", "/dev/loop" + devId));
    }

    @Override
    public long maxDevices() {
        return 0;
    }

    private Device device(int devId) {
        return new Device() {
            @Override
            public int devId() {
                return devId;
            }

            @Override
            public String path() {
                return "/dev/loop" + devId;
            }

            @Override
            public void resize(long sizeBytes) {
                Path file = backing(devId).orElseThrow();
                try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
                    f.setLength(sizeBytes);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                runner.check(List.of("losetup", "-c", path()));
            }

            @Override
            public void remove() {
                runner.check(List.of("losetup", "-d", path()));
            }

            @Override
            public void abandon() {
            }
        };
    }

    /** Detaches every loop device backed by a file in {@code dir} (test cleanup). */
    public void detachAll() {
        for (int i = 0; i < 256; i++) if (backing(i).isPresent()) runner.run(List.of("losetup", "-d", "/dev/loop" + i));
    }

    @Override
    public void close() {
    }
}
