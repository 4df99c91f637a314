package dev.strata.volume;

import dev.strata.bench.BenchReport;
import dev.strata.store.S3Config;
import dev.strata.store.S3ObjectStore;
import dev.strata.testing.S3Server;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.gaul.s3proxy.junit.S3ProxyJunitCore;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Data path against a local S3 server, each beside its baseline in the same run:
 * upload throughput vs the raw SDK putting the same bytes; cold sequential read of a fork
 * vs raw SDK ranged GETs; snapshot cut latency with dirty data vs uploading it all first.
 * Run: {@code bench/data-path.sh}.
 */
public final class DataPathBench {
    static final int MIB = 1 << 20;

    public static void main(String[] args) throws Exception {
        int dataMib = Integer.getInteger("bench.mib", 256);
        S3ProxyJunitCore proxy = new S3ProxyJunitCore.Builder().withCredentials(S3Server.ACCESS, S3Server.SECRET)
                .withBlobStoreProvider("transient").build();
        proxy.beforeEach();
        Path tmp = Files.createTempDirectory("strata-bench");
        try (S3Client raw = S3Server.client(proxy.getUri())) {
            String bucketName = "bench" + Long.toHexString(System.nanoTime());
            raw.createBucket(b -> b.bucket(bucketName));
            S3Config config = new S3Config(bucketName, "strata", proxy.getUri(), "us-east-1", true, S3Server.ACCESS, S3Server.SECRET);
            try (S3ObjectStore store = S3ObjectStore.open(config)) {
                StringBuilder md = new StringBuilder("### Data path (issues 5, 15)\n\nRerun: `bench/data-path.sh` (")
                        .append(dataMib).append(" MiB of incompressible data, S3Proxy in-process on loopback; machine: ")
                        .append(BenchReport.machine()).append("; the 2 cores are shared with other work, load average ")
                        .append(loadAverage()).append(" at the start: absolute numbers vary, the same-run ratios are the result).\n\n"
                                + "| measurement | Strata | baseline | ratio |\n|---|---|---|---|\n");
                Registry registry = new Registry(store, Clock.systemUTC());
                byte[] data = new byte[dataMib * MIB];
                new Random(1).nextBytes(data);
                // an uncounted warm-up round of each (JIT, connections, the server's heap), then
                // rounds alternating which goes first; medians
                upload(registry, store, Arrays.copyOf(data, 32 * MIB), "warm", tmp);
                rawPut(raw, bucketName, Arrays.copyOf(data, 32 * MIB));
                double[] strataUps = new double[ROUNDS], rawUps = new double[ROUNDS];
                for (int r = 0; r < ROUNDS; r++) {
                    if (r % 2 == 1) rawUps[r] = rawPut(raw, bucketName, data);
                    strataUps[r] = upload(registry, store, data, "up" + r, tmp);
                    if (r % 2 == 0) rawUps[r] = rawPut(raw, bucketName, data);
                }
                double strataUp = median(strataUps), rawUp = median(rawUps);
                row(md, "upload throughput, MiB/s (baseline: raw SDK PUTs of 4 MiB objects, " + MANUAL.uploadThreads() + " threads, as many PUTs at once as the engine makes; median of " + ROUNDS
                        + " alternating rounds after an uncounted warm-up round)", strataUp, rawUp);
                String source = "up" + (ROUNDS - 1);
                registry.create(new CreateSpec(new VolumeName("cold"), "cold", 0, 0, FromRef.parse("volume:" + source), Map.of()));
                long coldEpoch = registry.ownership().grant(new VolumeName("cold"), new NodeId("m"), false, null).owner().epoch();
                double strataRead;
                try (AttachedVolume v = AttachedVolume.attach(registry, new PackCache(store, 64L * MIB), new VolumeName("cold"),
                        coldEpoch, tmp.resolve("cold"), MANUAL, Clock.systemUTC())) {
                    ByteBuffer buf = ByteBuffer.allocate(MIB);
                    long t = System.nanoTime();
                    for (long off = 0; off < (long) dataMib * MIB; off += MIB) {
                        buf.clear();
                        v.read(off, buf);
                    }
                    strataRead = dataMib / ((System.nanoTime() - t) / 1e9);
                }
                double rawRead = rawRangedRead(raw, bucketName, dataMib);
                row(md, "cold sequential read of a fork, MiB/s (baseline: raw SDK 1 MiB ranged GETs, one stream)", strataRead, rawRead);
                ColdReadBench.run(store, raw, bucketName, source, dataMib, tmp, md);
                cut(registry, store, tmp, md);
                md.append("\nLoad average at the end: ").append(loadAverage()).append(". Goals (issue 15): upload ≥ 0.9×, "
                        + "cold sequential read at 20 ms ≥ 0.8×, random read IOPS 32 readers ≥ 16× one.\n");
                BenchReport.write("data-path", md.toString());
            }
        } finally {
            proxy.afterEach();
        }
    }

    static final int ROUNDS = 5;
    static final EngineOptions MANUAL = new EngineOptions(Duration.ofHours(1), Long.MAX_VALUE / 2, false, EngineOptions.DEFAULTS.uploadThreads(), 64);

    /** Writes {@code data} to a new volume, then times the upload of all of it; MiB/s. Leaves the volume detached. */
    static double upload(Registry registry, S3ObjectStore store, byte[] data, String name, Path tmp) {
        VolumeName volume = new VolumeName(name);
        registry.create(new CreateSpec(volume, name, data.length, 0, FromRef.BLANK, Map.of()));
        long epoch = registry.ownership().grant(volume, new NodeId("n"), false, null).owner().epoch();
        double mibPerSecond;
        try (AttachedVolume v = AttachedVolume.attach(registry, new PackCache(store, 64L * MIB), volume, epoch,
                tmp.resolve(name), MANUAL, Clock.systemUTC())) {
            v.write(0, ByteBuffer.wrap(data));
            v.flush();
            long t = System.nanoTime();
            v.drain();
            mibPerSecond = (data.length / (double) MIB) / ((System.nanoTime() - t) / 1e9);
        }
        registry.ownership().revoke(volume, null);
        return mibPerSecond;
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    static void cut(Registry registry, S3ObjectStore store, Path tmp, StringBuilder md) {
        long size = 1L << 30;
        registry.create(new CreateSpec(new VolumeName("snap"), "snap", size, 0, FromRef.BLANK, Map.of()));
        long epoch = registry.ownership().grant(new VolumeName("snap"), new NodeId("n"), false, null).owner().epoch();
        EngineOptions manual = new EngineOptions(Duration.ofHours(1), Long.MAX_VALUE / 2, false, 4, 64);
        try (AttachedVolume v = AttachedVolume.attach(registry, new PackCache(store, 16L * MIB), new VolumeName("snap"),
                epoch, tmp.resolve("snap"), manual, Clock.systemUTC())) {
            byte[] block = new byte[4 * MIB];
            Random r = new Random(2);
            for (long off = 0; off < size; off += block.length) {
                r.nextBytes(block);
                v.write(off, ByteBuffer.wrap(block));
            }
            v.flush();
            long t = System.nanoTime();
            v.snapshot("bench");
            double whole = (System.nanoTime() - t) / 1e6;
            double freeze = v.lastFreezeNanos() / 1e6;
            md.append(String.format("| snapshot of an attached volume with 1 GiB dirty: writes held off for (ms) | %.2f | %.0f (upload everything first, then snapshot: GlideFS's way) | %.4f |%n",
                    freeze, whole, freeze / whole));
        }
    }

    static void row(StringBuilder md, String what, double strata, double base) {
        md.append(String.format("| %s | %.1f | %.1f | %.2f× |%n", what, strata, base, strata / base));
    }

    /** PUTs {@code data} as 4 MiB objects {@code raw/<offset>} with 4 threads; MiB/s. The objects are cut from it before the clock starts. */
    static double rawPut(S3Client raw, String bucket, byte[] data) throws Exception {
        List<byte[]> objects = new ArrayList<>();
        for (int off = 0; off < data.length; off += 4 * MIB) objects.add(Arrays.copyOfRange(data, off, Math.min(data.length, off + 4 * MIB)));
        ExecutorService pool = Executors.newFixedThreadPool(MANUAL.uploadThreads()); // as many PUTs at once as the engine makes
        try {
            long t = System.nanoTime();
            List<Future<?>> f = new ArrayList<>();
            for (int i = 0; i < objects.size(); i++) {
                byte[] object = objects.get(i);
                String key = "raw/" + (long) i * 4 * MIB;
                f.add(pool.submit(() -> raw.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(object))));
            }
            for (Future<?> x : f) x.get();
            return (data.length / (double) MIB) / ((System.nanoTime() - t) / 1e9);
        } finally {
            pool.shutdown();
        }
    }

    static double rawRangedRead(S3Client raw, String bucket, int mib) {
        long t = System.nanoTime();
        for (int i = 0; i < mib; i++) {
            int off = (i / 4) * 4 * MIB, within = (i % 4) * MIB;
            raw.getObjectAsBytes(b -> b.bucket(bucket).key("raw/" + off).range("bytes=" + within + "-" + (within + MIB - 1)));
        }
        return mib / ((System.nanoTime() - t) / 1e9);
    }
}
