package dev.strata.cli;

import csi.v1.Csi.CreateSnapshotRequest;
import csi.v1.Csi.CreateVolumeRequest;
import csi.v1.Csi.VolumeContentSource;
import dev.strata.bench.BenchReport;
import dev.strata.store.S3Config;
import dev.strata.store.S3ObjectStore;
import dev.strata.testing.S3Server;
import dev.strata.volume.CreateSpec;
import dev.strata.volume.FromRef;
import dev.strata.volume.Layout;
import dev.strata.volume.Manifest;
import dev.strata.volume.ManifestCodec;
import dev.strata.volume.PackId;
import dev.strata.volume.Registry;
import dev.strata.volume.Sizes;
import dev.strata.volume.VolumeName;
import dev.strata.volume.VolumeRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.gaul.s3proxy.junit.S3ProxyJunitCore;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Fork latency for a 1 GiB and a 16 TiB source (a manifest as large as a fully written
 * 16 TiB volume), against raw SDK small requests on the same local S3 server, and
 * CreateSnapshot / CreateVolume-from-snapshot latency over the CSI socket.
 * Run: {@code bench/control-plane.sh}.
 */
public final class ControlPlaneBench {
    static final int N = Integer.getInteger("bench.n", 40);

    public static void main(String[] args) throws Exception {
        S3ProxyJunitCore proxy = new S3ProxyJunitCore.Builder().withCredentials(S3Server.ACCESS, S3Server.SECRET)
                .withBlobStoreProvider("transient").build();
        proxy.beforeEach();
        try {
            StringBuilder md = new StringBuilder();
            md.append("### Control plane (issue 2): forks, snapshots\n\n");
            md.append("Rerun: `bench/control-plane.sh` (S3Proxy in-process on loopback, ").append(N)
                    .append(" samples each, interleaved; median / p90 in ms). Machine: ").append(BenchReport.machine()).append(".\n\n");
            forks(proxy, md);
            csi(proxy, md);
            BenchReport.write("control-plane", md.toString());
        } finally {
            proxy.afterEach();
        }
    }

    static void forks(S3ProxyJunitCore proxy, StringBuilder md) throws Exception {
        S3Config bucket = freshBucket(proxy);
        try (S3ObjectStore store = S3ObjectStore.open(bucket); S3Client raw = S3Server.client(proxy.getUri())) {
            Registry registry = new Registry(store, Clock.systemUTC());
            VolumeRecord small = fullyWritten(registry, "src-1g", Sizes.GiB);
            VolumeRecord huge = fullyWritten(registry, "src-16t", 16 * Sizes.TiB);
            long manifestBytes = store.head(Layout.inPool(huge.poolId(),
                    registry.newestGenerationRef(huge).key())).orElseThrow().size();
            registry.snapshots().create(small.volumeName(), null);
            registry.snapshots().create(huge.volumeName(), null);
            long[] f1 = new long[N], f16 = new long[N], s1 = new long[N], s16 = new long[N], put = new long[N], get = new long[N];
            byte[] kib = new byte[1024];
            for (int i = -5; i < N; i++) {
                int at = Math.max(i, 0), n = i + 5;
                f1[at] = time(() -> registry.create(spec("f1-" + n, "volume:src-1g")));
                f16[at] = time(() -> registry.create(spec("f16-" + n, "volume:src-16t")));
                s1[at] = time(() -> registry.create(spec("s1-" + n, "snapshot:src-1g@1")));
                s16[at] = time(() -> registry.create(spec("s16-" + n, "snapshot:src-16t@1")));
                String key = bucket.prefix() + "/raw/" + n;
                put[at] = time(() -> raw.putObject(b -> b.bucket(bucket.bucket()).key(key), RequestBody.fromBytes(kib)));
                get[at] = time(() -> raw.getObjectAsBytes(b -> b.bucket(bucket.bucket()).key(key)));
            }
            md.append("| operation | median / p90 ms |\n|---|---|\n");
            md.append("| fork `volume:` of a 1 GiB volume (16 chunks written) | ").append(BenchReport.ms(f1)).append(" |\n");
            md.append("| fork `volume:` of a 16 TiB volume (262,144 chunks written; manifest ")
                    .append(manifestBytes / 1024).append(" KiB) | ").append(BenchReport.ms(f16)).append(" |\n");
            md.append("| fork `snapshot:` of the 1 GiB volume | ").append(BenchReport.ms(s1)).append(" |\n");
            md.append("| fork `snapshot:` of the 16 TiB volume | ").append(BenchReport.ms(s16)).append(" |\n");
            md.append("| baseline: raw SDK PUT of 1 KiB | ").append(BenchReport.ms(put)).append(" |\n");
            md.append("| baseline: raw SDK GET of 1 KiB | ").append(BenchReport.ms(get)).append(" |\n\n");
            md.append(String.format("Size independence: fork of 16 TiB / fork of 1 GiB = **%.2f×** (volume source), **%.2f×** "
                            + "(snapshot source). A fork costs %.1f× one small PUT + GET pair.%n%n",
                    BenchReport.medianMs(f16) / BenchReport.medianMs(f1), BenchReport.medianMs(s16) / BenchReport.medianMs(s1),
                    BenchReport.medianMs(f1) / (BenchReport.medianMs(put) + BenchReport.medianMs(get))));
        }
    }

    static void csi(S3ProxyJunitCore proxy, StringBuilder md) throws Exception {
        S3Config bucket = freshBucket(proxy);
        Path state = Files.createTempDirectory("strata-bench");
        StoreOptions store = new StoreOptions();
        store.stateDir = state;
        store.store = "s3://" + bucket.bucket() + "/" + bucket.prefix();
        store.s3Endpoint = bucket.endpoint().toString();
        store.s3PathStyle = true;
        store.s3AccessKey = S3Server.ACCESS;
        store.s3SecretKeyFile = Files.writeString(state.resolve("secret"), S3Server.SECRET);
        ServerOptions options = new ServerOptions();
        options.nodeId = "bench-node";
        try (ServerRoot root = ServerRoot.start(store, options, true); CsiClient csi = new CsiClient(root.server().socket())) {
            csi.controller().createVolume(CsiConformanceContract.createRequest("bench-src", Sizes.GiB).build());
            long[] snap = new long[N], restore = new long[N];
            for (int i = -5; i < N; i++) {
                int at = Math.max(i, 0);
                String name = "snap-" + (i + 5);
                String[] id = new String[1];
                snap[at] = time(() -> id[0] = csi.controller().createSnapshot(CreateSnapshotRequest.newBuilder()
                        .setName(name).setSourceVolumeId("bench-src").build()).getSnapshot().getSnapshotId());
                restore[at] = time(() -> csi.controller().createVolume(CsiConformanceContract.createRequest("r-" + name, Sizes.GiB)
                        .setVolumeContentSource(VolumeContentSource.newBuilder().setSnapshot(
                                VolumeContentSource.SnapshotSource.newBuilder().setSnapshotId(id[0]))).build()));
            }
            md.append("Over the CSI unix socket (gRPC, `strata serve` composition, S3 store):\n\n");
            md.append("| CSI call | median / p90 ms |\n|---|---|\n");
            md.append("| CreateSnapshot (ready_to_use at return) | ").append(BenchReport.ms(snap)).append(" |\n");
            md.append("| CreateVolume from that snapshot | ").append(BenchReport.ms(restore)).append(" |\n");
        }
    }

    static VolumeRecord fullyWritten(Registry registry, String name, long size) {
        VolumeRecord v = registry.create(new CreateSpec(new VolumeName(name), name, size, 0, FromRef.BLANK, Map.of()));
        int chunks = (int) (size / Manifest.DEFAULT_CHUNK_SIZE);
        TreeMap<Integer, List<PackId>> map = new TreeMap<>();
        Random r = new Random(1);
        for (int c = 0; c < chunks; c++) map.put(c, List.of(new PackId(r.nextLong(), r.nextLong())));
        Manifest m = new Manifest(Manifest.DEFAULT_BLOCK_SIZE, Manifest.DEFAULT_CHUNK_SIZE, size, 2, 0, null, map);
        registry.store().putIfAbsent(Layout.inPool(v.poolId(), Layout.generation(v.volumeName(), v.uid(), 2)), ManifestCodec.encode(m));
        return v;
    }

    static CreateSpec spec(String name, String from) {
        return new CreateSpec(new VolumeName(name), name, 0, 0, FromRef.parse(from), Map.of());
    }

    static S3Config freshBucket(S3ProxyJunitCore proxy) {
        String bucket = "bench" + Long.toHexString(System.nanoTime());
        try (S3Client s3 = S3Server.client(proxy.getUri())) {
            s3.createBucket(b -> b.bucket(bucket));
        }
        return new S3Config(bucket, "strata", proxy.getUri(), "us-east-1", true, S3Server.ACCESS, S3Server.SECRET);
    }

    static long time(Runnable r) {
        long t = System.nanoTime();
        r.run();
        return System.nanoTime() - t;
    }

}
