package dev.strata.ublk;

import dev.strata.uring.RingOptions;
import dev.strata.uring.WorkerPool;
import java.nio.file.Path;

/**
 * Strata's file target as a ublk server process of its own, for the device benchmark
 * ({@code dev.strata.cli.DeviceBench}): serves {@code FILE} of {@code BYTES} as a new device
 * with the queue count and depth given, the same worker pool a node builds, prints
 * "serving /dev/ublkbN" and runs until stdin closes (then removes the device and exits).
 * A process of its own so that its CPU is measured apart from the benchmark driver's.
 * Args: FILE BYTES QUEUES DEPTH WORKERS.
 */
public final class FileTargetServer {
    private FileTargetServer() {}

    public static void main(String[] args) throws Exception {
        Path backing = Path.of(args[0]);
        long size = Long.parseLong(args[1]);
        int queues = Integer.parseInt(args[2]), depth = Integer.parseInt(args[3]), workers = Integer.parseInt(args[4]);
        try (FileTarget target = new FileTarget(backing, size);
             WorkerPool pool = new WorkerPool(workers, RingOptions.worker(256), 5_000_000_000L);
             UblkControl ctl = UblkControl.open()) {
            UblkDevice dev = UblkDevice.create(ctl, pool, target, queues, depth);
            System.out.println("serving " + dev.blockDevice());
            System.out.flush();
            while (System.in.read() >= 0) {
                // the driver closes our stdin to stop us
            }
            dev.remove();
        }
    }
}
