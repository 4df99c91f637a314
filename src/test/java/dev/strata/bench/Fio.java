package dev.strata.bench;

import java.io.IOException;
import java.util.List;

/** One fio job on a block device, O_DIRECT, time based; what it did, from fio's terse output. */
public final class Fio {
    private Fio() {}

    public record Job(String name, String rw, String bs, String engine, int depth) {}

    /** IOPS and I/Os completed (reads plus writes). */
    public record Result(double iops, double ios) {}

    /** The device benchmark's jobs (issue 15): 4 KiB random QD1/QD32 both ways, 128 KiB sequential QD8 both ways. */
    public static final List<Job> DEVICE_JOBS = List.of(
            new Job("4 KiB random read, QD1", "randread", "4k", "psync", 1),
            new Job("4 KiB random read, QD32", "randread", "4k", "libaio", 32),
            new Job("4 KiB random write, QD1", "randwrite", "4k", "psync", 1),
            new Job("4 KiB random write, QD32", "randwrite", "4k", "libaio", 32),
            new Job("128 KiB sequential read, QD8", "read", "128k", "libaio", 8),
            new Job("128 KiB sequential write, QD8", "write", "128k", "libaio", 8));

    public static Result run(String device, Job j, long regionBytes, int seconds) throws IOException, InterruptedException {
        String out = Shell.run("fio", "--name=b", "--filename=" + device, "--rw=" + j.rw(), "--bs=" + j.bs(),
                "--ioengine=" + j.engine(), "--iodepth=" + j.depth(), "--direct=1", "--size=" + regionBytes,
                "--time_based", "--runtime=" + seconds, "--randrepeat=0", "--output-format=terse", "--terse-version=3");
        String[] lines = out.strip().split("\n");
        // terse v3, 1-based ';'-separated fields: 8 read IOPS, 9 read runtime ms, 49 write IOPS, 50 write runtime ms
        String[] f = lines[lines.length - 1].split(";");
        double readIops = Double.parseDouble(f[7]), writeIops = Double.parseDouble(f[48]);
        double ios = readIops * Double.parseDouble(f[8]) / 1000 + writeIops * Double.parseDouble(f[49]) / 1000;
        return new Result(readIops + writeIops, ios);
    }
}
