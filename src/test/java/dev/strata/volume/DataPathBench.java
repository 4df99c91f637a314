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
                StringBuilder md = new StringBuilder("### Data path (issue 5)\n\nRerun: `bench/data-path.sh` (")
                        .append(dataMib).append(" MiB of incompressible data, S3Proxy in-process on loopback; machine: ")
                        .append(BenchReport.machine()).append(").\n\n| measurement | Strata | baseline | ratio |\n|---|---|---|---|\n");
                Registry registry = new Registry(store, Clock.systemUTC());
                byte[] data = new byte[dataMib * MIB];
                new Random(1).nextBytes(data);
                registry.create(new CreateSpec(new VolumeName("up"), "up", (long) dataMib * MIB, 0, FromRef.BLANK, Map.of()));
                long epoch = registry.ownership().grant(new VolumeName("up"), new NodeId("n"), false, null).owner().epoch();
                EngineOptions manual = new EngineOptions(Duration.ofHours(1), Long.MAX_VALUE / 2, false, 4, 64);
                double strataUp, rawUp;
                try (AttachedVolume v = AttachedVolume.attach(registry, new PackCache(store, 64L * MIB), new VolumeName("up"),
                        epoch, tmp.resolve("up"), manual, Clock.systemUTC())) {
                    v.write(0, ByteBuffer.wrap(data));
                    v.flush();
                    long t = System.nanoTime();
                    v.drain();
                    strataUp = dataMib / ((System.nanoTime() - t) / 1e9);
                }
                rawUp = rawPut(raw, bucketName, data);
                row(md, "upload throughput, MiB/s (baseline: raw SDK PUTs of 4 MiB objects, 4 threads)", strataUp, rawUp);
                registry.ownership().revoke(new VolumeName("up"), null);
                registry.create(new CreateSpec(new VolumeName("cold"), "cold", 0, 0, FromRef.parse("volume:up"), Map.of()));
                long coldEpoch = registry.ownership().grant(new VolumeName("cold"), new NodeId("m"), false, null).owner().epoch();
                double strataRead;
                try (AttachedVolume v = AttachedVolume.attach(registry, new PackCache(store, 64L * MIB), new VolumeName("cold"),
                        coldEpoch, tmp.resolve("cold"), manual, Clock.systemUTC())) {
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
                cut(registry, store, tmp, md);
                BenchReport.write("data-path", md.toString());
            }
        } finally {
            proxy.afterEach();
        }
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

    static double rawPut(S3Client raw, String bucket, byte[] data) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            long t = System.nanoTime();
            List<Future<?>> f = new ArrayList<>();
            for (int off = 0; off < data.length; off += 4 * MIB) {
                int o = off;
                f.add(pool.submit(() -> raw.putObject(b -> b.bucket(bucket).key("raw/" + o),
                        RequestBody.fromBytes(java.util.Arrays.copyOfRange(data, o, Math.min(data.length, o + 4 * MIB))))));
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
