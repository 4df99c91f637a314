package dev.strata.volume;

import dev.strata.bench.BenchReport;
import dev.strata.store.FileObjectStore;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Random;

/**
 * Discard of written data in an attached volume's local cache: Strata (holes punched, one
 * tombstone record per block) vs writing the same range of zeros (what Strata's discard did
 * before) vs the kernel loop device's {@code blkdiscard} over a file of the same data (the
 * baseline: it punches holes in its backing file). Also a discard of a whole blank volume
 * (what mkfs does first). Each row: time and what stays allocated on the local disk.
 * Run: {@code bench/discard.sh} (as root, for the loop device).
 */
public final class DiscardBench {
    static final long MIB = 1 << 20;

    public static void main(String[] args) throws Exception {
        long mib = Long.getLong("bench.mib", 1024);
        int rounds = Integer.getInteger("bench.rounds", 3);
        long bytes = mib * MIB;
        Path tmp = Files.createTempDirectory(Path.of(System.getProperty("bench.dir", "target")).toAbsolutePath(), "discard-bench");
        byte[] chunk = new byte[(int) (8 * MIB)];
        new Random(1).nextBytes(chunk);
        long[] strata = new long[rounds], zeros = new long[rounds], loop = new long[rounds], blank = new long[rounds];
        long strataLeft = 0, zerosLeft = 0, loopLeft = 0, blankLeft = 0;
        try (FileObjectStore store = new FileObjectStore(tmp.resolve("bucket"))) {
            Registry registry = new Registry(store, Clock.systemUTC());
            PackCache packs = new PackCache(store, 64 * MIB);
            EngineOptions manual = new EngineOptions(Duration.ofHours(1), Long.MAX_VALUE / 2, false, 2, 8);
            for (int r = 0; r < rounds; r++) {
                for (String how : new String[] {"strata", "zeros"}) {
                    String name = how + r;
                    registry.create(new CreateSpec(new VolumeName(name), name, bytes, 0, FromRef.BLANK, Map.of()));
                    long epoch = registry.ownership().grant(new VolumeName(name), new NodeId("n"), false, null).owner().epoch();
                    Path dir = tmp.resolve(name);
                    try (AttachedVolume v = AttachedVolume.attach(registry, packs, new VolumeName(name), epoch, dir, manual, Clock.systemUTC())) {
                        for (long off = 0; off < bytes; off += chunk.length) v.write(off, ByteBuffer.wrap(chunk));
                        v.flush();
                        long t = System.nanoTime();
                        if (how.equals("strata")) v.discard(0, bytes);
                        else for (long off = 0; off < bytes; off += chunk.length) v.write(off, ByteBuffer.allocate(chunk.length));
                        v.flush();
                        long took = System.nanoTime() - t;
                        long left = EngineTestSupport.allocatedBytes(dir.resolve("data"));
                        if (how.equals("strata")) { strata[r] = took; strataLeft = left; } else { zeros[r] = took; zerosLeft = left; }
                    }
                    registry.ownership().revoke(new VolumeName(name), new NodeId("n"));
                    EngineTestSupport.deleteTree(dir);
                }
                String name = "blank" + r;
                registry.create(new CreateSpec(new VolumeName(name), name, 10 * 1024 * MIB, 0, FromRef.BLANK, Map.of()));
                long epoch = registry.ownership().grant(new VolumeName(name), new NodeId("n"), false, null).owner().epoch();
                try (AttachedVolume v = AttachedVolume.attach(registry, packs, new VolumeName(name), epoch, tmp.resolve(name), manual, Clock.systemUTC())) {
                    long t = System.nanoTime();
                    v.discard(0, v.sizeBytes());
                    v.flush();
                    blank[r] = System.nanoTime() - t;
                    blankLeft = EngineTestSupport.allocatedBytes(tmp.resolve(name).resolve("data"));
                }
                Path img = tmp.resolve("loop.img");
                try (var ch = java.nio.channels.FileChannel.open(img, java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.WRITE)) {
                    for (long off = 0; off < bytes; off += chunk.length) ch.write(ByteBuffer.wrap(chunk), off);
                    ch.force(true);
                }
                String dev = EngineTestSupport.run("losetup", "--find", "--show", img.toString()).strip();
                try {
                    long t = System.nanoTime();
                    EngineTestSupport.run("blkdiscard", dev);
                    EngineTestSupport.run("sync", "-f", img.toString());
                    loop[r] = System.nanoTime() - t;
                } finally {
                    EngineTestSupport.run("losetup", "-d", dev);
                }
                loopLeft = EngineTestSupport.allocatedBytes(img);
                Files.delete(img);
            }
        } finally {
            EngineTestSupport.deleteTree(tmp);
        }
        String md = "### Discard (issue 5)\n\nRerun: `bench/discard.sh` (as root; " + mib + " MiB written then discarded, then FLUSH; median of "
                + rounds + "; local cache on " + EngineTestSupport.run("df", "--output=fstype", ".").lines().skip(1).findFirst().orElse("?").strip()
                + "; machine: " + BenchReport.machine() + ").\n\n"
                + "| discard of " + mib + " MiB written | ms (median / p90) | left allocated on the local disk |\n|---|---|---|\n"
                + "| Strata: holes punched, one tombstone per 64 KiB block | " + BenchReport.ms(strata) + " | " + mibOf(strataLeft) + " |\n"
                + "| previous version: the same range written with zeros | " + BenchReport.ms(zeros) + " | " + mibOf(zerosLeft) + " |\n"
                + "| baseline: kernel loop device, `blkdiscard` + sync of its file | " + BenchReport.ms(loop) + " | " + mibOf(loopLeft) + " |\n"
                + "| Strata: discard of a whole blank 10 GiB volume (mkfs does this first) | " + BenchReport.ms(blank) + " | " + mibOf(blankLeft) + " |\n\n"
                + String.format("Strata / loop device: **%.2f×** the time; Strata / previous version: **%.2f×**.%n",
                        BenchReport.medianMs(strata) / BenchReport.medianMs(loop), BenchReport.medianMs(strata) / BenchReport.medianMs(zeros));
        BenchReport.write("discard", md);
    }

    private static String mibOf(long bytes) {
        return String.format("%.1f MiB", bytes / (double) MIB);
    }
}
