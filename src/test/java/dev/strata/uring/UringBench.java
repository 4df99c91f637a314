package dev.strata.uring;

import dev.strata.bench.BenchReport;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Idle CPU of the worker pool (and of a deliberately spinning one), NOP round trips, and
 * 4 KiB random reads from a cached file: ring at depth 32/128 vs FileChannel from as many
 * threads, as IOPS and process CPU-ns per I/O, in one run. Run: {@code bench/uring.sh}.
 */
public final class UringBench {
    static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    public static void main(String[] args) throws Exception {
        int idleSeconds = Integer.getInteger("bench.idle", 10);
        StringBuilder md = new StringBuilder("### io_uring and the worker pool (issue 3)\n\nRerun: `bench/uring.sh`. Machine: ")
                .append(BenchReport.machine()).append(".\n\n");
        idle(md, idleSeconds);
        nops(md);
        reads(md);
        BenchReport.write("uring", md.toString());
    }

    static void idle(StringBuilder md, int seconds) throws Exception {
        var threads = ManagementFactory.getThreadMXBean();
        md.append("**Idle CPU** (16 workers, no queues, ").append(seconds).append(" s wall; workers' summed thread CPU):\n\n")
                .append("| configuration | CPU time | % of one core | voluntary switches / worker |\n|---|---|---|---|\n");
        for (boolean spin : new boolean[] {false, true}) {
            int wall = spin ? 2 : seconds;
            try (WorkerPool pool = new WorkerPool(16, RingOptions.worker(64), 5_000_000_000L, spin)) {
                Thread.sleep(300);
                long cpu0 = 0;
                for (long id : pool.threadIds()) cpu0 += threads.getThreadCpuTime(id);
                long sw0 = switches();
                Thread.sleep(wall * 1000L);
                long cpu = -cpu0;
                for (long id : pool.threadIds()) cpu += threads.getThreadCpuTime(id);
                long sw = switches() - sw0;
                md.append(String.format("| %s | %.2f ms | %.4f %% | %.1f |%n",
                        spin ? "min_complete = 0 (the spin the check catches), " + wall + " s" : "Strata: min_complete = 1, 5 s idle timeout",
                        cpu / 1e6, 100.0 * cpu / (wall * 1e9), sw / 16.0));
            }
        }
        md.append("\nPass criterion: under 0.1 % of one core for the whole idle pool.\n\n");
    }

    static long switches() throws java.io.IOException {
        long total = 0;
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : tasks.toList()) {
                String comm = Files.readString(t.resolve("comm")).trim();
                if (!comm.startsWith("strata-ring-")) continue;
                for (String line : Files.readAllLines(t.resolve("status")))
                    if (line.startsWith("voluntary_ctxt_switches:")) total += Long.parseLong(line.split("\\s+")[1]);
            }
        }
        return total;
    }

    static void nops(StringBuilder md) {
        try (Ring ring = Ring.open(RingOptions.worker(64))) {
            long n = 0, end = System.nanoTime() + 2_000_000_000L, cpu0 = OS.getProcessCpuTime();
            long[] sink = new long[1];
            while (System.nanoTime() < end) {
                for (int i = 0; i < 1000; i++) {
                    ring.nop(i);
                    ring.submitAndWait(1, 0);
                    ring.reap((u, r, f) -> sink[0] += u);
                }
                n += 1000;
            }
            md.append(String.format("**NOP round trips** (submit one, wait for it; ring setup %s): %.0f per second, %.0f CPU-ns each.%n%n",
                    ring.describeSetup(), n / 2.0, (OS.getProcessCpuTime() - cpu0) / (double) n));
        }
    }

    static void reads(StringBuilder md) throws Exception {
        Path file = Files.createTempFile("strata-bench", ".dat");
        long size = 256L << 20;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1 << 20);
            Random r = new Random(1);
            for (long off = 0; off < size; off += b.capacity()) {
                r.nextBytes(b.array());
                ch.write(b.clear(), off);
            }
        }
        md.append("**4 KiB random reads from a cached 256 MiB file** (3 s each):\n\n")
                .append("| path | depth / threads | IOPS | CPU-ns per I/O |\n|---|---|---|---|\n");
        for (int depth : new int[] {32, 128}) {
            ring(md, file, size, depth);
            channel(md, file, size, depth);
        }
        Files.delete(file);
    }

    static void ring(StringBuilder md, Path file, long size, int depth) {
        try (RingFile f = new RingFile(file, false, depth); Arena a = Arena.ofConfined()) {
            MemorySegment bufs = a.allocate(4096L * depth, 4096);
            long[] offsets = new long[depth];
            long ios = 0, end = System.nanoTime() + 3_000_000_000L, cpu0 = OS.getProcessCpuTime();
            while (System.nanoTime() < end) {
                for (int i = 0; i < depth; i++) offsets[i] = ThreadLocalRandom.current().nextLong(size / 4096) * 4096;
                f.readBatch(offsets, bufs, 4096, depth);
                ios += depth;
            }
            md.append(String.format("| io_uring, one thread, batched | %d | %.0f | %.0f |%n", depth, ios / 3.0,
                    (OS.getProcessCpuTime() - cpu0) / (double) ios));
        }
    }

    static void channel(StringBuilder md, Path file, long size, int threads) throws Exception {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            AtomicLong ios = new AtomicLong();
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> ts = new ArrayList<>();
            long cpu0 = OS.getProcessCpuTime();
            for (int t = 0; t < threads; t++) {
                ts.add(Thread.ofPlatform().start(() -> {
                    ByteBuffer b = ByteBuffer.allocateDirect(4096);
                    long n = 0;
                    try {
                        while (!stop.get()) {
                            ch.read(b.clear(), ThreadLocalRandom.current().nextLong(size / 4096) * 4096);
                            n++;
                        }
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    ios.addAndGet(n);
                }));
            }
            Thread.sleep(3000);
            stop.set(true);
            for (Thread t : ts) t.join();
            md.append(String.format("| FileChannel positional reads | %d threads | %.0f | %.0f |%n", threads, ios.get() / 3.0,
                    (OS.getProcessCpuTime() - cpu0) / (double) ios.get()));
        }
    }
}
