package dev.strata.node;

import dev.strata.bench.BenchReport;
import dev.strata.bench.Fio;
import dev.strata.bench.Shell;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The stall benchmark (issue 15), in one QEMU guest boot ({@code bench/stall.sh}): the
 * {@link StallRig} (two engine volumes, one process, ONE ring worker), fio 4 KiB random
 * read and write at QD32 on the warm volume with the cold volume idle ("no fault") and with
 * the cold volume's bucket hung and a reader stuck on it ("hung neighbour"), interleaved
 * (the order alternates by round), one uncounted warm-up round then {@code bench.rounds} (3)
 * counted rounds, medians. Goal: hung-neighbour IOPS at least 0.8× no-fault IOPS. Writes
 * the "stall" section of docs/BENCHMARKS.md.
 */
public final class StallBench {
    static final long REGION = 128L << 20;
    static final int SOURCE_BLOCKS = 256;
    static final List<Fio.Job> JOBS = List.of(Fio.DEVICE_JOBS.get(1), Fio.DEVICE_JOBS.get(3));
    static final double GOAL = 0.8;

    public static void main(String[] args) throws Exception {
        int rounds = Integer.getInteger("bench.rounds", 3), seconds = Integer.getInteger("bench.seconds", 5);
        Path work = Files.createDirectories(Path.of(System.getProperty("bench.dir", "/tmp/stallbench")));
        double[][][] iops = new double[rounds + 1][JOBS.size()][2]; // [round][job][0 no fault, 1 hung neighbour]
        int nextBlock = 16; // each stuck read takes a block of its own pack nobody read before (packs of 8 blocks)
        try (StallRig rig = new StallRig(work, SOURCE_BLOCKS, REGION)) {
            long t0 = System.nanoTime();
            Shell.run("dd", "if=/dev/urandom", "of=" + rig.warmDevice.path(), "bs=1M", "count=" + (REGION >> 20), "oflag=direct");
            awaitUploaded(rig);
            System.out.printf("stallbench: filled the warm volume in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            for (int r = 0; r <= rounds; r++) {
                for (int j = 0; j < JOBS.size(); j++) {
                    for (int k = 0; k < 2; k++) {
                        boolean hung = (k + r) % 2 == 1; // even rounds: no fault first; odd rounds: hung neighbour first
                        awaitUploaded(rig);
                        iops[r][j][hung ? 1 : 0] = hung ? hungRun(rig, JOBS.get(j), seconds, nextBlock) : Fio.run(
                                rig.warmDevice.path(), JOBS.get(j), REGION, seconds).iops();
                        if (hung) nextBlock += 8;
                        System.out.printf("stallbench: round %d %-26s %-14s %8.0f IOPS%n", r, JOBS.get(j).name(),
                                hung ? "hung neighbour" : "no fault", iops[r][j][hung ? 1 : 0]);
                    }
                }
            }
        }
        String md = markdown(rounds, seconds, iops);
        BenchReport.write("stall", md);
    }

    /** One fio run on the warm volume while a reader of the cold volume waits on a hung GET (checked before and after). */
    static double hungRun(StallRig rig, Fio.Job job, int seconds, int block) throws Exception {
        StallRig.StuckReader stuck = rig.stuckReader(block);
        try {
            double iops = Fio.run(rig.warmDevice.path(), job, REGION, seconds).iops();
            if (!stuck.dd().isAlive()) throw new AssertionError("the cold volume's reader finished while its GET was hung");
            return iops;
        } finally {
            rig.release(stuck);
        }
    }

    /** Waits until the warm volume uploaded what the last job wrote, so every run starts from the same state. */
    static void awaitUploaded(StallRig rig) throws InterruptedException {
        long deadline = System.nanoTime() + 180_000_000_000L;
        while (rig.warm.dirtyBlocks() > 0 && System.nanoTime() < deadline) Thread.sleep(100);
        if (rig.warm.dirtyBlocks() > 0) System.out.println("stallbench: warm volume still dirty after 180 s: " + rig.warm.dirtyBlocks());
    }

    static String markdown(int rounds, int seconds, double[][][] iops) {
        String host = System.getProperty("bench.host", "not recorded");
        StringBuilder md = new StringBuilder("""
                ### A volume whose bucket hangs beside a volume serving fio, one ring worker (issue 15)

                Rerun: `bench/stall.sh` (about 10 minutes with 3 rounds). One boot of a **1-vCPU TCG guest** (software
                emulation: compare the ratio only). One process serves two engine volumes as ublk devices
                on **one io_uring ring worker** (`UblkDevices.open(1, 1, 64)`), one node pack cache, one
                store (the embedded file store on the guest's tmpfs, behind the test tree's
                `RecordingStore`): the **cold volume** is a fork of an uploaded 16 MiB source with nothing
                cached, the **warm volume** a blank 128 MiB volume of its own pool, written once with `dd`
                (its reads are local). Each job runs on the warm volume twice per round: with the cold
                volume idle (**no fault**) and with the source's pack GETs hung and a `dd iflag=direct`
                of the cold device waiting on one (**hung neighbour**; checked to still wait when fio
                ends, then released and its bytes checked). Interleaved, the order alternating by round;
                fio O_DIRECT, libaio, %d s per job, each run after the warm volume's uploads finished.
                **Round 1 is a warm-up and is not counted**; medians of the %d rounds after it.
                Host during the run: %s.

                "Per-round ratio": each counted round's hung-neighbour IOPS over its own no-fault IOPS
                (the two runs minutes apart at most), median over the rounds — less exposed to drift
                of the host's load than the ratio of the medians.

                | job (warm volume) | no fault IOPS | hung neighbour IOPS | hung / no fault | per-round ratio, median | goal ≥ %.1f× |
                |---|---:|---:|---:|---:|---|
                """.formatted(seconds, rounds, host, GOAL));
        for (int j = 0; j < JOBS.size(); j++) {
            double ok = median(iops, j, 0), hung = median(iops, j, 1);
            String met = hung >= GOAL * ok ? "met" : "**missed**";
            md.append(String.format("| %s | %.0f | %.0f | %.2f× | %.2f× | %s |%n", JOBS.get(j).name(), ok, hung, hung / ok,
                    pairedRatio(iops, j), met));
            System.out.printf("stallbench: goal %s: hung-neighbour IOPS %.0f >= %.1f x no-fault IOPS %.0f: %s%n",
                    JOBS.get(j).name(), hung, GOAL, ok, met.replace("*", ""));
        }
        md.append("\nEvery round's IOPS (no fault / hung neighbour; round 1 = the uncounted warm-up):\n\n");
        for (int j = 0; j < JOBS.size(); j++) {
            md.append("- ").append(JOBS.get(j).name()).append(":");
            for (double[][] round : iops) md.append(String.format(" %.0f / %.0f;", round[j][0], round[j][1]));
            md.setLength(md.length() - 1);
            md.append('\n');
        }
        return md.append("""

                The same property is a pass/fail guest test: `node.EngineStallVmTest` (verified fio on the
                warm volume must finish within 180 s while the cold volume's read hangs).
                """).toString();
    }

    /** Median over the counted rounds of each round's hung-neighbour IOPS over its no-fault IOPS. */
    static double pairedRatio(double[][][] iops, int job) {
        double[][][] ratios = new double[iops.length][1][1];
        for (int r = 0; r < iops.length; r++) ratios[r][0][0] = iops[r][job][1] / iops[r][job][0];
        return median(ratios, 0, 0);
    }

    /** Median over the counted rounds (1..n; round 0 is the warm-up). */
    static double median(double[][][] iops, int job, int arm) {
        double[] v = new double[iops.length - 1];
        for (int r = 1; r < iops.length; r++) v[r - 1] = iops[r][job][arm];
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
