package dev.strata.volume;

import dev.strata.bench.BenchReport;
import dev.strata.store.FileObjectStore;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A volume group snapshot of 4 volumes held by 2 node identities (2 volumes each, separate
 * clean caches; one JVM, so the node agent's TCP round trip is not in these numbers), each
 * with {@code bench.dirtyMiB} of unuploaded writes: how long each volume's writes are held
 * off (its latch closed → every member latched and its writes let go), and how long the whole group
 * snapshot takes (dominated by the uploads, which run after the writes are let go).
 * Run: {@code bench/group-snapshot.sh}.
 */
public final class GroupSnapshotBench {
    static final int ROUNDS = Integer.getInteger("bench.rounds", 3);
    static final long DIRTY = Long.getLong("bench.dirtyMiB", 256) << 20;
    static final EngineOptions MANUAL = new EngineOptions(Duration.ofHours(1), Long.MAX_VALUE / 2, false, 4, 256);

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("strata-group-bench");
        List<AttachedVolume> volumes = new ArrayList<>();
        try (FileObjectStore store = new FileObjectStore(dir.resolve("bucket"))) {
            Registry registry = new Registry(store, Clock.systemUTC());
            Map<VolumeName, AttachedVolume> held = new java.util.HashMap<>();
            for (int n = 0; n < 2; n++) {
                NodeId node = new NodeId("node-" + n);
                registry.registerNode(node, null, 0);
                PackCache packs = new PackCache(store, 64L << 20);
                for (int i = 0; i < 2; i++) {
                    VolumeName v = new VolumeName("g" + n + i);
                    registry.create(new CreateSpec(v, v.value(), 2 * DIRTY, 0, FromRef.BLANK, Map.of()));
                    long epoch = registry.ownership().grant(v, node, false, null).owner().epoch();
                    AttachedVolume a = AttachedVolume.attach(registry, packs, v, epoch, dir.resolve(v.value()), MANUAL, Clock.systemUTC());
                    volumes.add(a);
                    held.put(v, a);
                }
            }
            GroupCut cut = new GroupCut(registry, r -> new GroupCut.Holder() {
                public void prepare(VolumeName v, GroupSnapshotId g, Duration max) { held.get(v).groupLatch().prepare(g, max); }
                public void latch(VolumeName v, GroupSnapshotId g, Duration max) { held.get(v).groupLatch().latch(g, max); }
                public String cut(VolumeName v, GroupSnapshotId g) { return held.get(v).groupLatch().cut(g); }
                public void release(VolumeName v, GroupSnapshotId g) { held.get(v).groupLatch().release(g); }
            });
            List<Long> heldOff = new ArrayList<>();
            long[] total = new long[ROUNDS];
            byte[] block = new byte[64 * 1024];
            Random random = new Random(1);
            for (int round = 0; round < ROUNDS; round++) {
                for (AttachedVolume a : volumes) {
                    for (long off = 0; off < DIRTY; off += block.length) {
                        random.nextBytes(block);
                        a.write((round % 2) * DIRTY + off, ByteBuffer.wrap(block));
                    }
                }
                long t = System.nanoTime();
                registry.groups().create("bench-" + round, held.keySet().stream().sorted().toList(), cut);
                total[round] = System.nanoTime() - t;
                for (AttachedVolume a : volumes) heldOff.add(a.groupLatch().lastHeldNanos());
            }
            long[] off = heldOff.stream().mapToLong(Long::longValue).toArray();
            StringBuilder md = new StringBuilder();
            md.append("### Volume group snapshots (issue 16): writes held off per volume\n\n");
            md.append("Rerun: `bench/group-snapshot.sh` (4 volumes of 2 node identities in one JVM — the node agent's "
                    + "loopback round trip is not included; the file-backed store on local disk, since 4 GiB of packs do not fit an in-memory S3Proxy; ").append(ROUNDS).append(" group snapshots, each with ")
                    .append(DIRTY >> 20).append(" MiB of unuploaded random writes on every volume; median / p90 in ms). Machine: ")
                    .append(BenchReport.machine()).append(".\n\n");
            md.append("| measure | median / p90 ms | max ms |\n|---|---|---|\n");
            md.append("| writes held off per volume (its latch closed → every member latched, its writes let go; ").append(off.length)
                    .append(" samples) | ").append(BenchReport.ms(off)).append(" | ")
                    .append(String.format("%.2f", java.util.Arrays.stream(off).max().orElse(0) / 1e6)).append(" |\n");
            md.append("| whole CreateVolumeGroupSnapshot (prepare, latch, cut, upload ").append(4 * (DIRTY >> 20))
                    .append(" MiB, commit, record) | ").append(BenchReport.ms(total)).append(" | ")
                    .append(String.format("%.2f", java.util.Arrays.stream(total).max().orElse(0) / 1e6)).append(" |\n\n");
            md.append("Each member's point (its dirty set frozen: a walk of 16,384 block states per dirty GiB) is taken by its "
                    + "latch; the cut lets the writes go before it uploads. What the hold-off contains is waiting for every "
                    + "member to latch, the slowest member's freeze included. Target: under 100 ms (issue 16), every sample.\n");
            md.append("\nEvery sample, ms, group by group (the first group is the JVM's first):");
            for (int i = 0; i < off.length; i++)
                md.append(i % volumes.size() == 0 ? "\n- group " + (i / volumes.size() + 1) + ":" : ",")
                        .append(String.format(" %.1f", off[i] / 1e6));
            md.append('\n');
            BenchReport.write("group-snapshot", md.toString());
        } finally {
            for (AttachedVolume a : volumes) a.close();
            EngineTestSupport.deleteTree(dir);
        }
    }
}
