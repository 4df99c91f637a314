package dev.strata.volume;

import dev.strata.bench.BenchReport;
import dev.strata.store.FileObjectStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Cache-hit 4 KiB read and write latency of an attached volume vs FileChannel on a plain
 * file (the floor the cache is built on), in one JMH run. Run: {@code bench/cache-latency.sh}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CacheLatencyBench {
    static final long SIZE = 256L << 20;

    Path dir;
    FileObjectStore store;
    AttachedVolume volume;
    FileChannel plain;
    final ByteBuffer buf = ByteBuffer.allocate(4096);

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("strata-jmh");
        store = new FileObjectStore(dir.resolve("bucket"));
        Registry registry = new Registry(store, Clock.systemUTC());
        registry.create(new CreateSpec(new VolumeName("jmh"), "jmh", SIZE, 0, FromRef.BLANK, Map.of()));
        long epoch = registry.ownership().grant(new VolumeName("jmh"), new NodeId("n"), false, null).owner().epoch();
        volume = AttachedVolume.attach(registry, new PackCache(store, 64L << 20), new VolumeName("jmh"), epoch, dir.resolve("cache"),
                new EngineOptions(Duration.ofHours(1), Long.MAX_VALUE / 2, false, 2, 64), Clock.systemUTC());
        plain = FileChannel.open(dir.resolve("plain"), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        ByteBuffer fill = ByteBuffer.allocate(1 << 20);
        for (long off = 0; off < SIZE; off += fill.capacity()) {
            ThreadLocalRandom.current().nextBytes(fill.array());
            volume.write(off, fill.clear());
            plain.write(fill.clear(), off);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        volume.close();
        plain.close();
        store.close();
    }

    static long offset() {
        return ThreadLocalRandom.current().nextLong(SIZE / 4096) * 4096;
    }

    @Benchmark
    public ByteBuffer strataRead4k() {
        volume.read(offset(), buf.clear());
        return buf;
    }

    @Benchmark
    public ByteBuffer strataWrite4k() {
        volume.write(offset(), buf.clear());
        return buf;
    }

    @Benchmark
    public ByteBuffer fileChannelRead4k() throws IOException {
        plain.read(buf.clear(), offset());
        return buf;
    }

    @Benchmark
    public ByteBuffer fileChannelWrite4k() throws IOException {
        plain.write(buf.clear(), offset());
        return buf;
    }

    public static void main(String[] args) throws Exception {
        Collection<RunResult> results = new Runner(new OptionsBuilder().include(CacheLatencyBench.class.getSimpleName())
                .forks(1).warmupIterations(2).warmupTime(TimeValue.seconds(2)).measurementIterations(3)
                .measurementTime(TimeValue.seconds(3)).jvmArgsAppend("--enable-native-access=ALL-UNNAMED").build()).run();
        StringBuilder md = new StringBuilder("### Local cache hits (issue 5)\n\nRerun: `bench/cache-latency.sh` (JMH, 1 fork, "
                + "3×3 s after 2×2 s warm-up; 4 KiB at random offsets of a fully cached 256 MiB volume; machine: "
                + BenchReport.machine() + ").\n\n| benchmark | ns/op | ± |\n|---|---|---|\n");
        for (RunResult r : results) {
            var p = r.getPrimaryResult();
            md.append(String.format("| %s | %.0f | %.0f |%n", r.getParams().getBenchmark().replaceAll(".*\\.", ""),
                    p.getScore(), p.getScoreError()));
        }
        BenchReport.write("cache-latency", md.toString());
    }
}
