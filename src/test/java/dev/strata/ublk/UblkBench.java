package dev.strata.ublk;

import dev.strata.bench.BenchReport;
import dev.strata.uring.RingOptions;
import dev.strata.uring.WorkerPool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * In the QEMU guest: Strata's file-backed ublk target vs the kernel loop device on the same
 * backing file, same fio jobs, same run. Emulation makes absolute numbers meaningless: read
 * the ratios. Run: {@code bench/ublk.sh}.
 */
public final class UblkBench {
    record Job(String name, String rw, String bs, String engine, int depth) {}

    static final List<Job> JOBS = List.of(
            new Job("4 KiB random read, QD1", "randread", "4k", "psync", 1),
            new Job("4 KiB random read, QD32", "randread", "4k", "libaio", 32),
            new Job("4 KiB random write, QD1", "randwrite", "4k", "psync", 1),
            new Job("4 KiB random write, QD32", "randwrite", "4k", "libaio", 32),
            new Job("128 KiB sequential read, QD8", "read", "128k", "libaio", 8));

    public static void main(String[] args) throws Exception {
        Path backing = Path.of("/tmp/ublk-bench.img");
        long size = 512L << 20;
        try (FileTarget target = new FileTarget(backing, size);
             WorkerPool pool = new WorkerPool(1, RingOptions.worker(256), 5_000_000_000L);
             UblkControl ctl = UblkControl.open()) {
            UblkDevice dev = UblkDevice.create(ctl, pool, target, 1, 64);
            String loop = UblkVmTest.run("losetup", "-f", "--show", "--direct-io=off", backing.toString()).trim();
            try {
                UblkVmTest.run("dd", "if=/dev/urandom", "of=" + dev.blockDevice(), "bs=1M", "count=256", "oflag=direct");
                StringBuilder md = new StringBuilder("### ublk in the QEMU guest (issue 4)\n\nRerun: `bench/ublk.sh` (fio, 256 MiB region, "
                        + "5 s per job, one 1-vCPU TCG guest: compare the ratios only). Baseline: the kernel loop device on the "
                        + "same backing file (tmpfs), same run.\n\n| job | Strata ublk IOPS | loop IOPS | ratio |\n|---|---|---|---|\n");
                for (Job j : JOBS) {
                    double ublk = iops(dev.blockDevice(), j), lo = iops(loop, j);
                    md.append(String.format("| %s | %.0f | %.0f | %.2f× |%n", j.name(), ublk, lo, ublk / lo));
                }
                md.append("\nnull_blk could not be loaded in this guest (its module needs symbols this initramfs does not provide), "
                        + "so the null-target comparison is not measured yet.\n");
                BenchReport.write("ublk", md.toString());
            } finally {
                UblkVmTest.run("losetup", "-d", loop);
                dev.remove();
            }
        } finally {
            Files.deleteIfExists(backing);
        }
    }

    static double iops(String device, Job j) throws Exception {
        String out = UblkVmTest.run("fio", "--name=b", "--filename=" + device, "--rw=" + j.rw(), "--bs=" + j.bs(),
                "--ioengine=" + j.engine(), "--iodepth=" + j.depth(), "--direct=1", "--size=256m", "--time_based",
                "--runtime=5", "--output-format=terse", "--terse-version=3");
        // terse v3: field 8 = read IOPS, field 49 = write IOPS (1-based, ';'-separated)
        String[] f = out.trim().split("\n")[out.trim().split("\n").length - 1].split(";");
        return Double.parseDouble(f[7]) + Double.parseDouble(f[48]);
    }
}
