package dev.strata.cli;

import dev.strata.node.Devices;
import dev.strata.store.FileObjectStore;
import dev.strata.volume.AttachedVolume;
import dev.strata.volume.CreateSpec;
import dev.strata.volume.EngineOptions;
import dev.strata.volume.FromRef;
import dev.strata.volume.NodeId;
import dev.strata.volume.PackCache;
import dev.strata.volume.Registry;
import dev.strata.volume.VolumeName;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.LoggerFactory;

/**
 * Warms the data path before the node service answers (issue 15: a fresh JVM served its first
 * round at a small fraction of its steady rate while the JIT compiled the hot path). A scratch
 * volume in a scratch embedded store under the state dir, attached by the engine and served as a
 * ublk device exactly as a volume is, is driven with 4 KiB random and 128 KiB sequential reads
 * and writes and flushes from a few threads (so the queue sees depth) until {@code ios} I/Os are
 * done or {@link #MAX_NANOS} have passed; then the device, the volume and the scratch store are
 * removed. Nothing reaches the real bucket. {@code --warm-up-ios 0} skips it.
 */
final class SelfWarm {
    private SelfWarm() {}

    static final long SIZE = 64L << 20;
    static final int THREADS = 4;
    /** The warm-up never holds the node's start longer than this, however slow the machine (under emulation 20,000 I/Os took minutes). */
    static final long MAX_NANOS = 30_000_000_000L;

    /** Warms up; a failure is logged and the server goes on (cold), never stopped by its warm-up. */
    static void run(Devices devices, Path dir, long ios) {
        if (ios <= 0) return;
        try {
            warm(devices, dir, ios);
        } catch (RuntimeException e) {
            LoggerFactory.getLogger(SelfWarm.class).atWarn().setMessage("data path warm-up failed; serving without it")
                    .setCause(e).log();
        }
    }

    static void warm(Devices devices, Path dir, long ios) {
        long t0 = System.nanoTime();
        deleteTree(dir);
        Clock clock = Clock.systemUTC();
        try (FileObjectStore store = new FileObjectStore(dir.resolve("bucket"))) {
            Registry registry = new Registry(store, clock);
            VolumeName name = new VolumeName("warm-up");
            registry.create(new CreateSpec(name, null, SIZE, 0, FromRef.BLANK, Map.of()));
            long epoch = registry.ownership().grant(name, new NodeId("warm-up"), false, null).epoch();
            AttachedVolume volume = AttachedVolume.attach(registry, new PackCache(store, 0), name, epoch, dir.resolve("cache"),
                    EngineOptions.DEFAULTS, clock);
            try {
                Devices.Device device = devices.add(volume);
                try {
                    drive(Path.of(device.path()), ios);
                    awaitCompilations(30_000);
                } finally {
                    device.remove();
                }
            } finally {
                volume.close();
            }
        } finally {
            deleteTree(dir);
        }
        LoggerFactory.getLogger(SelfWarm.class).atInfo().setMessage("data path warmed up").addKeyValue("ios", ios)
                .addKeyValue("seconds", String.format("%.1f", (System.nanoTime() - t0) / 1e9)).log();
    }

    /** Waits (at most {@code maxMillis}) until the JIT has compiled nothing for 500 ms: what the I/Os queued is compiled. */
    static void awaitCompilations(long maxMillis) {
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) return;
        long deadline = System.currentTimeMillis() + maxMillis, last = -1;
        while (System.currentTimeMillis() < deadline) {
            long now = jit.getTotalCompilationTime();
            if (now == last) return;
            last = now;
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** {@code ios} I/Os on the block device, O_DIRECT, from {@link #THREADS} threads; the first failure is thrown. */
    static void drive(Path device, long ios) {
        AtomicLong left = new AtomicLong(ios);
        long deadline = System.nanoTime() + MAX_NANOS;
        java.util.concurrent.atomic.AtomicReference<Exception> failed = new java.util.concurrent.atomic.AtomicReference<>();
        List<Thread> threads = Stream.<Thread>generate(() -> Thread.ofPlatform().name("strata-warm-up").unstarted(() -> {
            try (FileChannel ch = FileChannel.open(device, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    com.sun.nio.file.ExtendedOpenOption.DIRECT)) {
                worker(ch, left, deadline);
            } catch (IOException | RuntimeException e) {
                left.set(0);
                failed.compareAndSet(null, e);
            }
        })).limit(THREADS).toList();
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                left.set(0);
            }
        }
        if (failed.get() != null) throw new IllegalStateException("warm-up I/O on " + device + " failed: " + failed.get(), failed.get());
    }

    private static void worker(FileChannel ch, AtomicLong left, long deadline) throws IOException {
        ByteBuffer big = ByteBuffer.allocateDirect((128 << 10) + 4096).alignedSlice(4096);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long seq = random.nextLong(SIZE / (128 << 10)) * (128 << 10);
        for (long i = 0; left.getAndDecrement() > 0 && (i % 64 != 0 || System.nanoTime() < deadline); i++) {
            boolean small = i % 4 != 3;
            big.clear().limit(small ? 4096 : 128 << 10);
            long offset = small ? random.nextLong(SIZE / 4096) * 4096 : (seq = (seq + (128 << 10)) % SIZE);
            if (i % 2 == 0) ch.read(big, offset);
            else ch.write(big, offset);
            if (i % 64 == 63) ch.force(false);
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the warm-up scratch directory " + dir, e);
        }
    }
}
